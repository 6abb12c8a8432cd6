#!/usr/bin/env bash
# Peak resident memory of Edge while 2 GiB go through it each way, uncached.
#
#   Benchmarks/streaming-memory.sh [BYTES]      # default 2 GiB
#
# Starts a small Python origin that generates BYTES of response body and swallows uploads, puts
# Edge (release build) in front of it, downloads BYTES through Edge and uploads BYTES through it with
# curl, and prints Edge's peak resident set size (VmHWM) before and after. Stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/require.sh bench
BYTES=${1:-$((2 * 1024 * 1024 * 1024))}
ORIGIN_PORT=${ORIGIN_PORT:-9310}
EDGE_PORT=${EDGE_PORT:-9311}

swift build -c release --product edge >/dev/null

python3 - "$ORIGIN_PORT" <<'PY' &
import http.server, sys
CHUNK = b"x" * 65536
class Origin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        size = int(self.path.rsplit("/", 1)[-1])
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.send_header("Cache-Control", "max-age=60")
        self.end_headers()
        while size > 0:
            n = min(size, len(CHUNK))
            self.wfile.write(CHUNK[:n])
            size -= n
    def do_POST(self):
        left = int(self.headers.get("Content-Length", "0"))
        received = 0
        while left > 0:
            data = self.rfile.read(min(left, 1 << 20))
            if not data:
                break
            left -= len(data)
            received += len(data)
        body = str(received).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
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
echo "edge peak RSS at start:          $(hwm)"
curl -s -o /dev/null -w "download: %{size_download} bytes at %{speed_download} B/s\n" "http://127.0.0.1:$EDGE_PORT/$BYTES"
echo "edge peak RSS after download:    $(hwm)"
upload=$(mktemp)
truncate -s "$BYTES" "$upload"   # sparse: no disk used
curl -s -o /dev/null -w "upload: %{size_upload} bytes at %{speed_upload} B/s\n" \
    -X POST -H "Expect:" -T "$upload" "http://127.0.0.1:$EDGE_PORT/upload"
rm -f "$upload"
echo "edge peak RSS after upload:      $(hwm)"
