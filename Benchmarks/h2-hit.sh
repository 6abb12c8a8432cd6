#!/usr/bin/env bash
# HTTP/2 cache hits: Edge against nginx proxy_cache with http2, one core each, h2load on the other.
#
#   Benchmarks/h2-hit.sh                       # 3 rounds, 100 000 requests, 100 connections x 10 streams
#   ROUNDS=1 REQUESTS=20000 Benchmarks/h2-hit.sh
#
# nginx serves a generated 1 KiB file with `Cache-Control: max-age=3600` as the origin. In front of
# it: Edge (release build, event_loops = 1) with a TLS listener (ALPN h2) and an h2c listener, and
# nginx proxy_cache (1 worker) with `listen ... ssl http2` and a cleartext `http2` listener; both
# with the same throwaway certificate. Each round measures every target once (A B C D, A B C D, ...);
# the table has the median per target, its error count and the ratio Edge/nginx. Loopback only;
# stops only the processes it started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-100000}
CLIENTS=${CLIENTS:-100}
STREAMS=${STREAMS:-10}
BASE_PORT=${BASE_PORT:-9430}
ORIGIN_PORT=$BASE_PORT
EDGE_TLS_PORT=$((BASE_PORT + 1)); EDGE_H2C_PORT=$((BASE_PORT + 2)); EDGE_PLAIN_PORT=$((BASE_PORT + 3))
NGINX_TLS_PORT=$((BASE_PORT + 4)); NGINX_H2C_PORT=$((BASE_PORT + 5)); ADMIN_PORT=$((BASE_PORT + 6))

scripts/require.sh bench
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
head -c 1024 /dev/zero | tr '\0' 'x' >"$work/www/object"
chmod 644 "$work/www/object"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=bench.test" \
    -addext "subjectAltName=DNS:bench.test" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

nginx_conf() { # $1 = server block, $2 = name
    cat <<CONF
daemon off;
$NGINX_USER
worker_processes 1;
pid $work/nginx-$2.pid;
error_log $work/logs/error-$2.log warn;
events { worker_connections 4096; }
http {
    access_log off;
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
    server { listen 127.0.0.1:$NGINX_TLS_PORT ssl http2; listen 127.0.0.1:$NGINX_H2C_PORT http2;
        ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem;
        location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\";
                     proxy_cache hit; proxy_cache_key \$uri; } }" cache >"$work/cache.conf"
cat >"$work/edge.conf" <<CONF
[server]
listen = ["127.0.0.1:$EDGE_PLAIN_PORT"]
h2c_listen = ["127.0.0.1:$EDGE_H2C_PORT"]
event_loops = 1
[tls]
listen = ["127.0.0.1:$EDGE_TLS_PORT"]
certificates = [{ cert = "$work/cert.pem", key = "$work/key.pem" }]
[[pools]]
name = "origin"
servers = [{ url = "http://127.0.0.1:$ORIGIN_PORT" }]
[admin]
listen = "127.0.0.1:$ADMIN_PORT"
[logging]
access_log = "off"
level = "warning"
CONF

taskset -c 1 "$NGINX" -c "$work/origin.conf" -e "$work/logs/error-origin.log" &
pids+=($!)
taskset -c 0 "$EDGE" serve --config "$work/edge.conf" >"$work/logs/edge.log" 2>&1 &
pids+=($!)
taskset -c 0 "$NGINX" -c "$work/cache.conf" -e "$work/logs/error-cache.log" &
pids+=($!)

wait_url() { # $1 = curl arguments
    for _ in $(seq 100); do
        # shellcheck disable=SC2086
        curl -sk $1 -o /dev/null && return 0
        sleep 0.1
    done
    echo "nothing answers: $1" >&2
    return 1
}
targets=(
    "edge-tls|https://bench.test:$EDGE_TLS_PORT/object|--resolve bench.test:$EDGE_TLS_PORT:127.0.0.1 https://bench.test:$EDGE_TLS_PORT/object"
    "nginx-tls|https://bench.test:$NGINX_TLS_PORT/object|--resolve bench.test:$NGINX_TLS_PORT:127.0.0.1 https://bench.test:$NGINX_TLS_PORT/object"
    "edge-h2c|http://127.0.0.1:$EDGE_H2C_PORT/object|--http2-prior-knowledge http://127.0.0.1:$EDGE_H2C_PORT/object"
    "nginx-h2c|http://127.0.0.1:$NGINX_H2C_PORT/object|--http2-prior-knowledge http://127.0.0.1:$NGINX_H2C_PORT/object"
)
for target in "${targets[@]}"; do
    IFS='|' read -r name url probe <<<"$target"
    wait_url "$probe"
    wait_url "$probe"   # the second request is a hit
done

# One h2load run; prints "req_per_s errors".
h2run() { # $1 = url, $2 = connect-to port
    local out
    out=$(taskset -c 1 h2load -n "$REQUESTS" -c "$CLIENTS" -m "$STREAMS" --connect-to="127.0.0.1:$2" "$1" 2>&1)
    local rps failed errored
    rps=$(awk '/^finished in/ {gsub(",", "", $4); print $4}' <<<"$out")
    failed=$(awk '/^requests:/ {print $10 + $12}' <<<"$out")
    echo "$rps $failed"
}

declare -A samples
for round in $(seq "$ROUNDS"); do
    for target in "${targets[@]}"; do
        IFS='|' read -r name url _ <<<"$target"
        port=${url##*:}; port=${port%%/*}
        result=$(h2run "$url" "$port")
        samples[$name]+="$result;"
        echo "  round $round $name: $result" >&2
    done
done

median() { # "rps errors;rps errors;..." -> "median_rps total_errors"
    tr ';' '\n' <<<"$1" | awk 'NF' | sort -n | awk '{r[NR]=$1; e+=$2} END {print r[int((NR + 1) / 2)], e}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo
echo "h2load -n $REQUESTS -c $CLIENTS -m $STREAMS, cached 1 KiB object, median of $ROUNDS rounds"
printf '%-12s %12s %8s %10s\n' "target" "req/s" "errors" "vs nginx"
for pair in "tls" "h2c"; do
    read -r e_rps e_err <<<"$(median "${samples[edge-$pair]}")"
    read -r n_rps n_err <<<"$(median "${samples[nginx-$pair]}")"
    printf '%-12s %12s %8s %10s\n' "edge $pair" "$e_rps" "$e_err" "$(ratio "$e_rps" "$n_rps")"
    printf '%-12s %12s %8s %10s\n' "nginx $pair" "$n_rps" "$n_err" "1.00"
done
