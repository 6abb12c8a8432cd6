#!/usr/bin/env bash
# More than memory holds: 1 GiB of distinct objects (256 × 4 MiB) through a node with
# memory_size = "64MiB" and a 2GiB disk tier; every object is then asked for again and must be a hit
# with its own body.
#
#   Benchmarks/disk-more-than-memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/disk-conf.sh
scripts/require.sh bench
swift build -c release --product edge >&2
work=$(mktemp -d /tmp/onegib.XXXXXX)
cat > "$work/origin.py" <<'PY'
import http.server, socketserver
BODY = b"z" * (4 * 1024 * 1024)
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = (self.path.encode() + b"|") + BODY[len(self.path) + 1:]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", 9791), H).serve_forever()
PY
python3 "$work/origin.py" & origin=$!
disk_edge_conf 9790 9792 9791 "$work/cache" 2GiB 16MiB > "$work/edge.conf"
.build/release/edge serve --config "$work/edge.conf" > "$work/edge.log" 2>&1 & edge=$!
trap 'kill $edge $origin 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
for i in $(seq 1 256); do curl -s -o /dev/null -H 'Host: big.test' "http://127.0.0.1:9790/obj/$i"; done
for _ in $(seq 200); do curl -s http://127.0.0.1:9792/stats | grep -q '"writes":256' && break; sleep 0.2; done
hits=0; bad=0
for i in $(seq 1 256); do
  curl -s -D "$work/h" -o "$work/b" -H 'Host: big.test' "http://127.0.0.1:9790/obj/$i"; out=$(head -c 12 "$work/b")
  grep -qi '^cache-status: edge; hit' "$work/h" && hits=$((hits+1))
  [[ "$out" == "/obj/$i|"* ]] || bad=$((bad+1))
done
echo "second pass: $hits of 256 hits, $bad bodies wrong"
curl -s http://127.0.0.1:9792/stats | python3 -c 'import json,sys; d=json.load(sys.stdin)["disk"]; print({k: d[k] for k in ("bytes","objects","hits","writes","rejected_writes","shed_writes","errors")})'
