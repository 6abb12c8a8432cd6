#!/usr/bin/env bash
# Differential smuggling test: nginx, Varnish and Edge side by side on the same malformed requests.
#
#   Benchmarks/smuggling/compare.sh [> Benchmarks/smuggling/RESULTS.md]
#
# Installs nginx and Varnish from Debian when missing, builds Edge (release) when missing, starts one
# recording origin per proxy (differential.py) and each proxy in front of its origin, all on loopback,
# sends every case of corpus.py raw to each proxy and prints a Markdown table and per-proxy totals.
# Stops only the processes it started (by pid); every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=Benchmarks/smuggling
NGINX_PORT=${NGINX_PORT:-9481}
VARNISH_PORT=${VARNISH_PORT:-9482}
EDGE_PORT=${EDGE_PORT:-9483}

if ! command -v nginx >/dev/null || ! command -v varnishd >/dev/null; then
    apt-get install -y nginx-light varnish >&2
fi
if [ ! -x .build/release/edge ]; then
    swift build -c release --product edge >&2
fi

WORK=$(mktemp -d /tmp/smuggling.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

wait_port() {
    for _ in $(seq 100); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), timeout=0.2)" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "port $1 did not open" >&2
    return 1
}

# The harness owns the origins; it tells us their ports, then reads the proxy ports from a fifo.
mkfifo "$WORK/proxies"
python3 "$HERE/differential.py" --origin-ports-file "$WORK/origins" < "$WORK/proxies" > "$WORK/table.md" &
PIDS+=($!)
HARNESS=$!
exec 3>"$WORK/proxies"
for _ in $(seq 100); do [ -s "$WORK/origins" ] && break; sleep 0.1; done
read -r NGINX_ORIGIN VARNISH_ORIGIN EDGE_ORIGIN < "$WORK/origins"

# nginx as commonly deployed in front of an app: HTTP/1.1 keep-alive upstream, request buffering on.
mkdir -p "$WORK/nginx"
chmod 777 "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    upstream origin { server 127.0.0.1:$NGINX_ORIGIN; keepalive 8; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
        }
    }
}
EOF
nginx -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx/stdout" 2>&1 &
PIDS+=($!)

# Varnish with its built-in VCL and the origin as its only backend.
varnishd -F -n "$WORK/varnish" -a "127.0.0.1:$VARNISH_PORT" -b "127.0.0.1:$VARNISH_ORIGIN" \
    -T 127.0.0.1:0 -s malloc,32m >"$WORK/varnish.log" 2>&1 &
PIDS+=($!)

.build/release/edge serve --listen "127.0.0.1:$EDGE_PORT" --origin "http://127.0.0.1:$EDGE_ORIGIN" >"$WORK/edge.log" 2>&1 &
PIDS+=($!)

wait_port "$NGINX_PORT"
wait_port "$VARNISH_PORT"
wait_port "$EDGE_PORT"

echo "$NGINX_PORT $VARNISH_PORT $EDGE_PORT" >&3
exec 3>&-
# Each case takes a few seconds at most; 15 minutes bounds the whole run.
for _ in $(seq 900); do kill -0 "$HARNESS" 2>/dev/null || break; sleep 1; done
if kill -0 "$HARNESS" 2>/dev/null; then
    echo "harness did not finish in 15 minutes" >&2
    exit 1
fi
wait "$HARNESS"

echo "# Request smuggling: nginx, Varnish and Edge on the same malformed requests"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "- command: \`Benchmarks/smuggling/compare.sh > Benchmarks/smuggling/RESULTS.md\`"
echo "- nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //') (HTTP/1.1 keep-alive upstream)"
echo "- varnish: $(varnishd -V 2>&1 | head -1) (built-in VCL)"
echo "- edge: $(git rev-parse --short HEAD) (release build, \`edge serve --origin\`)"
echo "- corpus: $HERE/corpus.py ($(python3 -c "import sys; sys.path.insert(0, '$HERE'); import corpus; print(len(corpus.CASES))") cases)"
echo
echo "Verdicts: **refused** (error or close, nothing reached the origin), **forwarded** (only clean,"
echo "unambiguous requests reached the origin, no more than the client sent), **aborted** (the proxy"
echo "forwarded part of a request and closed the origin connection), **UNSAFE** (the origin got"
echo "ambiguous framing, a request hidden in a body, more requests than sent, a path that climbs above"
echo "the root read as sent, with %2e as a dot or decoded with '\\\\' as '/', or a later canary request"
echo "on a fresh connection was answered wrongly). Cells: client statuses, 'closed' when the proxy"
echo "closed the connection, how many requests reached the origin (and the target it got, for cases"
echo "that name the path Edge must forward), and a note when a '..' below the root was left to the origin."
echo
cat "$WORK/table.md"
