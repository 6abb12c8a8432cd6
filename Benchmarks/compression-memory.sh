#!/usr/bin/env bash
# Peak resident memory of Edge while it compresses uncached responses on the fly.
#
#   Benchmarks/compression-memory.sh [BYTES] [CLIENTS]   # default 512 MiB per client, 8 clients
#
# A small Python origin generates BYTES of text/plain (`Cache-Control: no-store`, so nothing is
# stored); CLIENTS curl clients fetch it through Edge at once, cycling Accept-Encoding over br, zstd
# and gzip, and each pipes its body through the matching command-line decoder to count the
# decoded bytes. Prints Edge's peak resident set size (VmHWM) before and after. Stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/require.sh bench
BYTES=${1:-$((512 * 1024 * 1024))}
CLIENTS=${2:-8}
ORIGIN_PORT=${ORIGIN_PORT:-9320}
EDGE_PORT=${EDGE_PORT:-9321}

[ "${SKIP_BUILD:-0}" = 1 ] || swift build -c release --product edge >/dev/null

python3 - "$ORIGIN_PORT" <<'PY' &
import http.server, sys
# Text that compresses like a log, not like a run of one byte.
CHUNK = b"".join(b"2026-11-29T07:%02d:%02d GET /assets/app.%d.js 200 %d\n" % (i % 60, i % 59, i % 97, i * 7919 % 100000) for i in range(1600))
class Origin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        size = int(self.path.rsplit("/", 1)[-1])
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.send_header("Content-Type", "text/plain")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        while size > 0:
            n = min(size, len(CHUNK))
            self.wfile.write(CHUNK[:n])
            size -= n
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Origin).serve_forever()
PY
origin_pid=$!
.build/release/edge serve --listen "127.0.0.1:$EDGE_PORT" --origin "http://127.0.0.1:$ORIGIN_PORT" >/dev/null 2>&1 &
edge_pid=$!
trap 'kill $edge_pid $origin_pid 2>/dev/null || true' EXIT
sleep 1

hwm() { awk '/VmHWM/ {print $2 " kB"}' "/proc/$edge_pid/status"; }
echo "edge peak RSS at start:            $(hwm)"
codings=(br zstd gzip)
clients=()
for i in $(seq "$CLIENTS"); do
    coding=${codings[$(( (i - 1) % 3 ))]}
    decoder="$coding -d -c"; [ "$coding" = br ] && decoder="brotli -d -c"; [ "$coding" = zstd ] && decoder="zstd -d -c -q"
    ( decoded=$(curl -s -H "Accept-Encoding: $coding" "http://127.0.0.1:$EDGE_PORT/$BYTES" | $decoder | wc -c)
      echo "client $i ($coding): $decoded bytes decoded" ) &
    clients+=($!)
done
for pid in "${clients[@]}"; do wait "$pid"; done
echo "edge peak RSS after $CLIENTS streams: $(hwm)"
