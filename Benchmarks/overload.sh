#!/usr/bin/env bash
# Load well above capacity against a slow origin pool: does the node keep answering cached hits,
# shed load with fast 503s at the pool cap, and switch degraded mode on and off?
#
#   Benchmarks/overload.sh                      # 15 s of wrk -c512 on uncached URLs
#   DURATION=30s CONNECTIONS=1024 Benchmarks/overload.sh
#
# Three origins (python3 http.server, threaded) answer uncached URLs after DELAY seconds and
# /cached with max-age=3600. Edge (release build) has a pool cap of 64 concurrent origin requests
# with a 64-deep queue and degraded mode at 256 requests in flight or 50 ms of event-loop delay.
# While wrk hammers /slow/..., a probe client fetches /cached every 50 ms and records status and
# time. Loopback only; stops only the processes it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/require.sh bench
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-512}
DELAY=${DELAY:-0.2}
BASE_PORT=${BASE_PORT:-19510}
EDGE_PORT=$((BASE_PORT + 10))
ADMIN_PORT=$((BASE_PORT + 11))

command -v wrk >/dev/null || { echo "wrk is needed" >&2; exit 1; }
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

cat >"$work/origin.py" <<'PY'
import sys, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
port, delay = int(sys.argv[1]), float(sys.argv[2])
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_GET(self):
        if self.path.startswith("/cached") or self.path.startswith("/health"):
            body, cache = b"cached\n", "max-age=3600"
        else:
            time.sleep(delay)
            body, cache = b"slow\n", "no-store"
        self.send_response(200)
        self.send_header("Cache-Control", cache)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
ThreadingHTTPServer.request_queue_size = 1024
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
servers=""
for i in 0 1 2; do
    port=$((BASE_PORT + i))
    # Broken pipes when the edge gives up on a response (wrk stopping) are not worth printing.
    python3 "$work/origin.py" "$port" "$DELAY" 2>/dev/null &
    pids+=($!)
    servers+="{ url = \"http://127.0.0.1:$port\" }, "
done

for i in 0 1 2; do
    for _ in $(seq 100); do
        curl -sf -o /dev/null "http://127.0.0.1:$((BASE_PORT + i))/health" && break
        sleep 0.1
    done
done

cat >"$work/edge.conf" <<CONF
[server]
listen = ["127.0.0.1:$EDGE_PORT"]
[cache]
eviction = "${EVICTION:-tinylfu}"
[[pools]]
name = "slow"
servers = [$servers]
balancing = "least_connections"
health_check = { path = "/health", interval = "1s", timeout = "500ms", rise = 2, fall = 3 }
max_concurrent_requests = ${CAP:-64}
queue_size = 64
queue_timeout = "100ms"
[degradation]
in_flight_threshold = 256
loop_delay_threshold = "50ms"
hold = "2s"
[admin]
listen = "127.0.0.1:$ADMIN_PORT"
[logging]
access_log = "off"
level = "notice"
CONF

"$EDGE" serve --config "$work/edge.conf" >"$work/edge.log" 2>&1 &
edge_pid=$!
pids+=($edge_pid)
for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$EDGE_PORT/cached" && break
    sleep 0.1
done
curl -s -o /dev/null "http://127.0.0.1:$EDGE_PORT/cached"

# The probe: one cached GET every 50 ms for the whole run, "status seconds" per line.
probe() {
    while [ ! -f "$work/stop" ]; do
        curl -s -o /dev/null -D "$work/probe-headers.txt" -m 5 -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$EDGE_PORT/cached" || echo "000 5"
        grep -i "^cache-status" "$work/probe-headers.txt" >>"$work/probe-status.txt" || true
        sleep 0.05
    done >"$work/probe.txt"
}
probe &
probe_pid=$!

# Every request a different URL, so nothing is coalesced or cached.
cat >"$work/unique.lua" <<'LUA'
local n = 0
request = function()
    n = n + 1
    return wrk.format("GET", "/slow/" .. tostring(math.random(1, 1e9)) .. "/" .. n)
end
LUA
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 10s -s "$work/unique.lua" "http://127.0.0.1:$EDGE_PORT/" >"$work/wrk.txt" 2>&1 || true
sleep 3   # degraded mode ends after `hold` of calm
touch "$work/stop"
wait "$probe_pid" || true

echo "== wrk -c$CONNECTIONS -d$DURATION on uncached /slow (origin delay ${DELAY}s, pool cap ${CAP:-64} + queue 64)"
grep -E "Requests/sec|Non-2xx|Socket errors|requests in|50%|99%" "$work/wrk.txt" || cat "$work/wrk.txt"
echo "== cached /cached probe during the load (one GET every 50 ms)"
sort -k2 -g "$work/probe.txt" | awk '{ n++; if ($1 != 200) bad++; t[n] = $2 } END {
    printf "requests %d, non-200 %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    n, bad, t[int(n * 0.5) + 1] * 1000, t[int(n * 0.99) + 1] * 1000, t[n] * 1000 }'
echo "   statuses: $(cut -d' ' -f1 "$work/probe.txt" | sort | uniq -c | tr '\n' ' ')"
[ "${DEBUG:-0}" = 1 ] && uniq -c "$work/probe-status.txt"; [ "${DEBUG:-0}" = 1 ] && grep -c . "$work/edge.log"; [ "${DEBUG:-0}" = 1 ] && grep -v "at its limit" "$work/edge.log" | cut -c1-250 | head -20
echo "== degraded mode switches in the log"
grep -E "degraded mode" "$work/edge.log" || echo "(none)"
