#!/usr/bin/env bash
# How much keeping record files open is worth on disk-only hits: one node, one filled directory,
# two settings run alternately (ABBA) so that the host's drift falls on both alike.
#
#   Benchmarks/disk-open-files.sh              # 20000 objects of 16 KiB, open_files = 5000 against unset
#   OBJECTS=3000 PAIRS=2 A="open_files = 0" Benchmarks/disk-open-files.sh
#
# A python origin serves 16 KiB bodies; Edge (release build, core 0, 8 MiB of memory in front of its
# disk tier, so nearly every hit is read from disk) stores OBJECTS of them once, then restarts on the
# same directory for each run: 6 s of warm-up and 10 s measured, wrk -c64 on core 1 asking for a
# random object per request. Prints the rate, Edge's CPU per hit (utime + stime) and the record
# files open and allowed at the end of each run. A and B are lines for [cache.disk] ("" for none).
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/disk-conf.sh
scripts/require.sh bench
EDGE=${EDGE:-$PWD/.build/release/edge}
OBJECTS=${OBJECTS:-20000}
PAIRS=${PAIRS:-3}
A=${A:-open_files = 5000}
B=${B:-}
[ -x "$EDGE" ] || { echo "build it first: swift build -c release --product edge" >&2; exit 1; }
work=$(mktemp -d /tmp/disk-open-files.XXXXXX)
cat > "$work/origin.py" <<'PY'
import http.server, socketserver
body = b"a" * 16384
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait for an ACK
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=36000"); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", 9811), H).serve_forever()
PY
python3 "$work/origin.py" & origin=$!
edge=
trap 'kill $origin 2>/dev/null; [ -n "$edge" ] && kill $edge 2>/dev/null; rm -rf "$work"' EXIT
start() { # $1 = an extra [cache.disk] line
    disk_edge_conf 9810 9812 9811 "$work/cache" 2GiB 2MiB 8MiB 2MiB "$1" > "$work/edge.conf"
    taskset -c 0 "$EDGE" serve --config "$work/edge.conf" > "$work/edge.log" 2>&1 & edge=$!
    sleep 1
}
stop() { kill $edge; wait $edge 2>/dev/null || true; edge=; }
disk() { curl -s http://127.0.0.1:9812/stats | python3 -c "import json, sys; d = json.load(sys.stdin)['disk']; print($1)"; }
cat > "$work/rand.lua" <<LUA
math.randomseed(os.time())
request = function() return wrk.format("GET", "/o/" .. math.random(1, $OBJECTS)) end
LUA

start ""
seq 1 "$OBJECTS" | awk '{printf "url = \"http://127.0.0.1:9810/o/%s\"\noutput = \"/dev/null\"\n", $1}' > "$work/urls"
curl -s -K "$work/urls"
for _ in $(seq 1 600); do [ "$(disk 'd["writes"]')" -ge "$OBJECTS" ] && break; sleep 0.1; done
echo "stored: $(disk 'd["objects"]') records"
stop

measure() { # $1 = label, $2 = [cache.disk] line
    start "$2"
    taskset -c 1 wrk -t1 -c64 -d6s -s "$work/rand.lua" http://127.0.0.1:9810/ > /dev/null
    read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$edge/stat")
    out=$(taskset -c 1 wrk -t1 -c64 -d10s -s "$work/rand.lua" http://127.0.0.1:9810/)
    read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$edge/stat")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    ticks=$(getconf CLK_TCK)
    printf '%-22s req/s %9s  CPU %5s us/hit  files open/allowed %s\n' "$1" "$rps" \
        "$(awk -v t=$((u1 - u0 + s1 - s0)) -v n="$requests" -v hz="$ticks" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')" \
        "$(disk 'd["open_files"], "/", d["open_files_allowed"]')"
    stop
}
for _ in $(seq 1 "$PAIRS"); do
    measure "A: ${A:-(unset)}" "$A"
    measure "B: ${B:-(unset)}" "$B"
    measure "B: ${B:-(unset)}" "$B"
    measure "A: ${A:-(unset)}" "$A"
done
