#!/usr/bin/env bash
# Profiles Edge alone on disk hits: OBJECTS objects of 16 KiB behind MEM of memory (default 3000
# behind 4MiB, so nearly every hit is read from disk), one event loop pinned to core 0, wrk with 32
# connections on core 1 asking for a random object per request, `perf record -g` on the node for
# 8 s after an 8 s warm-up. Prints wrk's rate and the disk tier's hit count; the profile is left in PERF_OUT
# (default /tmp/edge-disk.perf) for `perf report -i`. Needs a release build, python3, perf, wrk.
# Usage: Benchmarks/disk-profile.sh    (MEM=256MiB for the same load on memory hits)
set -euo pipefail
EDGE=${EDGE:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/edge}
MEM=${MEM:-4MiB}
OBJECTS=${OBJECTS:-3000}
PERF_OUT=${PERF_OUT:-/tmp/edge-disk.perf}
work=$(mktemp -d /tmp/diskprof.XXXXXX)
mkdir -p "$work/www/o"
for i in $(seq 1 "$OBJECTS"); do head -c 16384 /dev/zero | tr '\0' 'a' > "$work/www/o/$i"; done
cat > "$work/origin.py" <<'PY'
import http.server, socketserver, os, sys
root = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        with open(os.path.join(root, self.path.lstrip("/")), "rb") as f: body = f.read()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.send_header("Cache-Control", "max-age=3600"); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", 9801), H).serve_forever()
PY
python3 "$work/origin.py" "$work/www" & origin=$!
cat > "$work/edge.conf" <<CONF
[server]
listen = ["127.0.0.1:9800"]
event_loops = 1
[admin]
listen = "127.0.0.1:9802"
[logging]
access_log = "off"
[cache]
memory_size = "$MEM"
max_object_size = "1MiB"
[cache.disk]
path = "$work/cache"
size = "2GiB"
max_object_size = "1MiB"
[[pools]]
name = "default"
servers = [{ url = "http://127.0.0.1:9801" }]
[[sites]]
hosts = ["*"]
pool = "default"
CONF
taskset -c 0 "$EDGE" serve --config "$work/edge.conf" > "$work/edge.log" 2>&1 & edge=$!
trap 'kill $edge $origin 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
seq 1 "$OBJECTS" | sed "s|^|http://127.0.0.1:9800/o/|" | xargs -P 4 -n 1 curl -s -o /dev/null
sleep 2
cat > "$work/rand.lua" <<LUA
math.randomseed(42)
request = function() return wrk.format("GET", "/o/" .. math.random(1, $OBJECTS)) end
LUA
# An 8 s warm-up first: right after the fill, look-ups of paths and first checks of records make
# the disk tier look several times slower than it is on a running node.
taskset -c 1 wrk -t1 -c32 -d8s -s "$work/rand.lua" http://127.0.0.1:9800/ > /dev/null
perf record -F 999 -g -p $edge -o "$PERF_OUT" -- sleep 8 > /dev/null 2>&1 & perf=$!
taskset -c 1 wrk -t1 -c32 -d8s -s "$work/rand.lua" http://127.0.0.1:9800/ | grep -E "Requests/sec|Latency"
wait $perf || true
curl -s http://127.0.0.1:9802/stats | python3 -c 'import json,sys; d=json.load(sys.stdin); print("disk hits", d["disk"]["hits"], "of", d["hits"], "hits;", d["disk"].get("hit_head_hits", 0), "from hit heads")'
