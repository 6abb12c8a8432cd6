#!/usr/bin/env bash
# Cache hits on a compressed variant vs identity hits on the same object, one core per server:
# Edge (stored br variant) next to nginx proxy_cache with gzip on (compresses every response) and
# Varnish (stores gzip, gunzips for identity clients), all in one run.
#
#   Benchmarks/compression.sh                 # 3 alternating identity/coded runs of 10 s each, median req/s
#   RUNS=1 DURATION=5s Benchmarks/compression.sh
#   ASSET=path/to/app.js Benchmarks/compression.sh   # default: 100 KiB of this repo's source text
#
# nginx serves the asset as the origin (`Cache-Control: max-age=3600`, application/javascript).
# Each server under test is pinned to core 0 with taskset, wrk (-t1 -c64) to core 1. The judged
# number is Edge's br/identity ratio (target >= 0.90). Stops only the processes it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/require.sh bench
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
NGINX_GZIP_LEVEL=${NGINX_GZIP_LEVEL:-6}
ORIGIN_PORT=${ORIGIN_PORT:-9420}
EDGE_PORT=${EDGE_PORT:-9421}
NGINX_CACHE_PORT=${NGINX_CACHE_PORT:-9422}
VARNISH_PORT=${VARNISH_PORT:-9423}
ADMIN_PORT=${ADMIN_PORT:-9424}

for tool in nginx varnishd wrk curl; do command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
NGINX=$(command -v nginx)

[ "${SKIP_BUILD:-0}" = 1 ] || swift build -c release --product edge >/dev/null
EDGE=${EDGE:-$PWD/.build/release/edge}

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www" "$work/cache" "$work/logs"
chmod 755 "$work" "$work/www"
NGINX_USER=""
[ "$(id -u)" = 0 ] && NGINX_USER="user root;"
if [ -n "${ASSET:-}" ]; then
    cp "$ASSET" "$work/www/app.js"
else
    (set +o pipefail; find Sources -name '*.swift' -print0 | sort -z | xargs -0 cat 2>/dev/null | head -c 102400 >"$work/www/app.js")
fi
chmod 644 "$work/www/app.js"
SIZE=$(stat -c %s "$work/www/app.js")

nginx_conf() { # $1 = server block, $2 = name
    cat <<CONF
daemon off;
$NGINX_USER
worker_processes 1;
pid $work/nginx-$2.pid;
error_log $work/logs/error-$2.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    types { application/javascript js; }
    client_body_temp_path $work/body-$2;
    proxy_temp_path $work/proxy-$2;
    fastcgi_temp_path $work/fastcgi-$2;
    uwsgi_temp_path $work/uwsgi-$2;
    scgi_temp_path $work/scgi-$2;
    keepalive_requests 100000000;
    $1
}
CONF
}
nginx_conf "server { listen 127.0.0.1:$ORIGIN_PORT; root $work/www;
    location / { add_header Cache-Control \"max-age=3600\"; } }" origin >"$work/origin.conf"
nginx_conf "proxy_cache_path $work/cache keys_zone=hit:10m;
    upstream origin { server 127.0.0.1:$ORIGIN_PORT; keepalive 16; }
    gzip on; gzip_types application/javascript; gzip_comp_level $NGINX_GZIP_LEVEL; gzip_vary on; gzip_proxied any;
    server { listen 127.0.0.1:$NGINX_CACHE_PORT;
        location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\";
                     proxy_set_header Accept-Encoding \"\"; proxy_cache hit; } }" cache >"$work/cache.conf"
cat >"$work/varnish.vcl" <<VCL
vcl 4.1;
backend default { .host = "127.0.0.1"; .port = "$ORIGIN_PORT"; }
sub vcl_backend_response { set beresp.do_gzip = true; set beresp.ttl = 1h; }
VCL

"$NGINX" -c "$work/origin.conf" -e "$work/logs/error-origin.log" &
pids+=($!)

wait_port() {
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$1/app.js" && return 0
        sleep 0.1
    done
    echo "nothing answers on port $1" >&2
    return 1
}

# CPU clock ticks used so far by a process and its direct children (nginx and Varnish workers).
cpu_ticks() { # $1 = pid
    local total=0 pid
    for pid in "$1" $(pgrep -P "$1" || true); do
        [ -r "/proc/$pid/stat" ] || continue
        total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
    done
    echo "$total"
}
TICK=$(getconf CLK_TCK)

# One wrk run; prints "req/s cpu_us_per_request" (server CPU per request is steadier than req/s on
# a machine shared with other work).
run_wrk() { # $1 = pid, $2 = url, rest = wrk arguments
    local pid=$1 url=$2; shift 2
    local before after out
    before=$(cpu_ticks "$pid")
    out=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "$@" "$url")
    after=$(cpu_ticks "$pid")
    awk -v t="$((after - before))" -v hz="$TICK" '/requests in/ {n = $1} /Requests\/sec/ {r = $2}
        END {printf "%s %.1f\n", r, (n > 0 ? t * 1e6 / hz / n : 0)}' <<<"$out"
}

# Runs identity and coded wrk runs alternately (so that load from elsewhere on the machine hits
# both alike), RUNS of each; prints "identity_rps coded_rps coded_bytes identity_us coded_us",
# each the median over the runs.
measure() { # $1 = port, $2 = accept-encoding of the coded runs, $3 = server pid
    local coded=(-H "Accept-Encoding: $2") ids=() cs=() icpu=() ccpu=()
    for _ in 1 2 3; do
        curl -s -o /dev/null "http://127.0.0.1:$1/app.js"; curl -s -o /dev/null "${coded[@]}" "http://127.0.0.1:$1/app.js"
    done
    local bytes
    bytes=$(curl -s "${coded[@]}" "http://127.0.0.1:$1/app.js" | wc -c)
    curl -s -D - -o /dev/null "${coded[@]}" "http://127.0.0.1:$1/app.js" | tr -d '\r' \
        | grep -iE '^(content-encoding|cache-status|x-varnish|vary)' | sed 's/^/      /' >&2 || true
    taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d2s "${coded[@]}" "http://127.0.0.1:$1/app.js" >/dev/null # warm-up
    for _ in $(seq "$RUNS"); do
        local a b
        read -r a a_us <<<"$(run_wrk "$3" "http://127.0.0.1:$1/app.js")"
        read -r b b_us <<<"$(run_wrk "$3" "http://127.0.0.1:$1/app.js" "${coded[@]}")"
        ids+=("$a"); cs+=("$b"); icpu+=("$a_us"); ccpu+=("$b_us")
        echo "    identity: $a req/s ($a_us us CPU/req)   $2: $b req/s ($b_us us CPU/req)" >&2
    done
    local mid=$(( (RUNS + 1) / 2 ))
    median() { printf '%s\n' "$@" | sort -n | sed -n "${mid}p"; }
    echo "$(median "${ids[@]}") $(median "${cs[@]}") $bytes $(median "${icpu[@]}") $(median "${ccpu[@]}")"
}

wait_port "$ORIGIN_PORT"
echo "asset: $SIZE bytes" >&2

cat >"$work/edge.conf" <<CONF
[server]
listen = ["127.0.0.1:$EDGE_PORT"]
event_loops = 1
[[pools]]
name = "origin"
servers = [{ url = "http://127.0.0.1:$ORIGIN_PORT" }]
[admin]
listen = "127.0.0.1:$ADMIN_PORT"
[logging]
access_log = "off"
level = "warning"
CONF
taskset -c 0 "$EDGE" serve --config "$work/edge.conf" >"$work/logs/edge.log" 2>&1 &
edge_pid=$!
pids+=($edge_pid)
wait_port "$EDGE_PORT"
echo "edge:" >&2
edge_br=$(measure "$EDGE_PORT" "br" "$edge_pid")
edge_gz=$(measure "$EDGE_PORT" "gzip" "$edge_pid")
kill "$edge_pid"; wait "$edge_pid" 2>/dev/null || true

taskset -c 0 "$NGINX" -c "$work/cache.conf" -e "$work/logs/error-cache.log" &
nginx_pid=$!
pids+=($nginx_pid)
wait_port "$NGINX_CACHE_PORT"
echo "nginx proxy_cache + gzip on (level $NGINX_GZIP_LEVEL):" >&2
nginx_gz=$(measure "$NGINX_CACHE_PORT" "gzip" "$nginx_pid")
kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true

taskset -c 0 varnishd -F -j none -n "$work/varnish" -a "127.0.0.1:$VARNISH_PORT" -f "$work/varnish.vcl" -s malloc,64m \
    -T none >"$work/logs/varnish.log" 2>&1 &
varnish_pid=$!
pids+=($varnish_pid)
wait_port "$VARNISH_PORT"
echo "varnish (do_gzip, stores gzip):" >&2
varnish_gz=$(measure "$VARNISH_PORT" "gzip" "$varnish_pid")
kill "$varnish_pid"; wait "$varnish_pid" 2>/dev/null || true

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo
printf '%-44s %11s %11s %8s %12s %12s %8s\n' "server, coded hits" "identity/s" "coded/s" "ratio" "identity CPU" "coded CPU" "ratio"
row() { # label "identity coded bytes identity_us coded_us"
    read -r i_rps c_rps c_bytes i_us c_us <<<"$2"
    printf '%-44s %11s %11s %8s %9s us %9s us %8s   (%s bytes per coded response)\n' "$1" "$i_rps" "$c_rps" \
        "$(ratio "$c_rps" "$i_rps")" "$i_us" "$c_us" "$(ratio "$i_us" "$c_us")" "$c_bytes"
}
row "edge, Accept-Encoding: br (stored br 11)" "$edge_br"
row "edge, Accept-Encoding: gzip (stored gzip 9)" "$edge_gz"
row "nginx, Accept-Encoding: gzip (per response)" "$nginx_gz"
row "varnish, Accept-Encoding: gzip (stored)" "$varnish_gz"
echo "ratio = coded/identity for req/s, identity/coded for CPU per request: above 1 means coded hits are cheaper."
