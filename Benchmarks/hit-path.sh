#!/usr/bin/env bash
# Cache-hit throughput of Edge against nginx proxy_cache, one core each.
#
#   Benchmarks/hit-path.sh            # 3 runs of 10 s per server, median req/s and p99
#   RUNS=1 DURATION=5s Benchmarks/hit-path.sh
#   PERF_OUT=/tmp/edge.perf Benchmarks/hit-path.sh   # also `perf record -g` Edge under load for 5 s
#
# nginx serves a generated 1 KiB file with `Cache-Control: max-age=3600` as the origin. In front of
# it: Edge (release build, event_loops = 1) with the access log off, Edge with the access log to a
# file, and nginx proxy_cache (1 worker). Each server is pinned to core 0 with taskset, wrk
# (-t1 -c64) to core 1. Loopback only; stops only the processes it started.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
ORIGIN_PORT=${ORIGIN_PORT:-9410}
EDGE_PORT=${EDGE_PORT:-9411}
NGINX_CACHE_PORT=${NGINX_CACHE_PORT:-9412}
ADMIN_PORT=${ADMIN_PORT:-9413}

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
# As root, nginx workers would run as nobody and could not read the file or write the cache.
NGINX_USER=""
[ "$(id -u)" = 0 ] && NGINX_USER="user root;"
head -c 1024 /dev/zero | tr '\0' 'x' >"$work/www/object"
chmod 644 "$work/www/object"

# The origin and the nginx proxy_cache share one config file but run as two processes, so that
# each can be pinned alone.
nginx_conf() { # $1 = server block
    cat <<CONF
daemon off;
$NGINX_USER
worker_processes 1;
pid $work/nginx-$2.pid;
error_log $work/logs/error-$2.log warn;
events { worker_connections 1024; }
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
    server { listen 127.0.0.1:$NGINX_CACHE_PORT;
        location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\";
                     proxy_cache hit; add_header X-Cache-Status \$upstream_cache_status; } }" cache >"$work/cache.conf"

"$NGINX" -c "$work/origin.conf" -e "$work/logs/error-origin.log" &
pids+=($!)

edge_conf() { # $1 = access_log
    cat <<CONF
[server]
listen = ["127.0.0.1:$EDGE_PORT"]
event_loops = 1
[[pools]]
name = "origin"
servers = [{ url = "http://127.0.0.1:$ORIGIN_PORT" }]
[admin]
listen = "127.0.0.1:$ADMIN_PORT"
[logging]
access_log = "$1"
level = "warning"
CONF
}

wait_port() {
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$1/object" && return 0
        sleep 0.1
    done
    echo "nothing answers on port $1" >&2
    return 1
}

# Runs wrk RUNS times; prints "median_rps p99" (p99 of the median run).
measure() { # $1 = port
    local results=()
    curl -s -o /dev/null "http://127.0.0.1:$1/object"; curl -s -o /dev/null "http://127.0.0.1:$1/object"
    taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$1/object" >/dev/null # warm-up
    for _ in $(seq "$RUNS"); do
        local out rps p99
        out=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$1/object")
        rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
        p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
        results+=("$rps $p99")
        echo "    run: $rps req/s, p99 $p99" >&2
    done
    printf '%s\n' "${results[@]}" | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2) {print $1, $2}'
}

run_edge() { # $1 = label, $2 = access_log
    edge_conf "$2" >"$work/edge.conf"
    taskset -c 0 "$EDGE" serve --config "$work/edge.conf" >"$work/logs/edge-stdout.log" 2>&1 &
    local pid=$!
    pids+=($pid)
    wait_port "$EDGE_PORT"
    curl -s -D - -o /dev/null "http://127.0.0.1:$EDGE_PORT/object" | tr -d '\r' | grep -i '^cache-status' >&2 || true
    echo "$1:" >&2
    if [ -n "${PERF_OUT:-}" ] && [ "$2" = off ]; then
        # Profile one 5 s load after warm-up: PERF_OUT=perf.data Benchmarks/hit-path.sh
        curl -s -o /dev/null "http://127.0.0.1:$EDGE_PORT/object"
        perf record -g -o "$PERF_OUT" -p "$pid" -- sleep 5 >/dev/null 2>&1 &
        taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d5s "http://127.0.0.1:$EDGE_PORT/object" >/dev/null
        wait $!
    fi
    measure "$EDGE_PORT"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

wait_port "$ORIGIN_PORT"
edge_off=$(run_edge "edge (access log off)" off)
edge_file=$(run_edge "edge (access log to a file)" "$work/logs/access.log")
[ -s "$work/logs/access.log" ] && echo "  access log lines: $(wc -l <"$work/logs/access.log")" >&2

taskset -c 0 "$NGINX" -c "$work/cache.conf" -e "$work/logs/error-cache.log" &
pids+=($!)
wait_port "$NGINX_CACHE_PORT"
curl -s -D - -o /dev/null "http://127.0.0.1:$NGINX_CACHE_PORT/object" | tr -d '\r' | grep -i '^x-cache-status' >&2 || true
echo "nginx proxy_cache:" >&2
nginx_cache=$(measure "$NGINX_CACHE_PORT")

echo
printf '%-30s %12s %10s %8s\n' "server" "req/s" "p99" "vs nginx"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
read -r n_rps n_p99 <<<"$nginx_cache"
for row in "edge, access log off|$edge_off" "edge, access log to file|$edge_file"; do
    label=${row%%|*}; read -r rps p99 <<<"${row#*|}"
    printf '%-30s %12s %10s %8s\n' "$label" "$rps" "$p99" "$(ratio "$rps" "$n_rps")"
done
printf '%-30s %12s %10s %8s\n' "nginx proxy_cache (1 worker)" "$n_rps" "$n_p99" "1.00"
