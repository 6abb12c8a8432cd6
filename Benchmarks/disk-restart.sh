#!/usr/bin/env bash
# A restart on a large disk cache: how soon the node answers, and how soon its index is whole.
#
#   Benchmarks/disk-restart.sh [COUNT]        # default 200000 records of 1 KiB (about 1 GiB of files)
#
# Fills a fresh directory with COUNT records (DiskFill, as the node writes them), drops the page cache
# when allowed (root), starts `edge serve` on it, and reports the time to the "serving" line, to the
# first hit on a record, and to the end of the background index scan (/stats disk.loading false).
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/disk-conf.sh
scripts/require.sh bench
COUNT=${1:-200000}
PORT=${PORT:-9781}
ADMIN=${ADMIN:-9782}
ORIGIN=${ORIGIN:-9783}

swift build -c release --product edge >&2
swift build -c release --product DiskFill >&2
work=$(mktemp -d /tmp/disk-restart.XXXXXX)
edge_pid=""
cleanup() {
    [ -n "$edge_pid" ] && kill -KILL "$edge_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

.build/release/DiskFill "$work/cache" "$COUNT" bench.test >&2
disk_edge_conf "$PORT" "$ADMIN" "$ORIGIN" "$work/cache" 8GiB 1MiB > "$work/edge.conf"
if [ "$(id -u)" = 0 ]; then sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; fi

now_ms() { date +%s%3N; }
start=$(now_ms)
.build/release/edge serve --config "$work/edge.conf" > "$work/out.log" 2> "$work/err.log" &
edge_pid=$!
for _ in $(seq 1000); do grep -q "serving on" "$work/out.log" 2>/dev/null && break; sleep 0.01; done
serving=$(now_ms)
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: bench.test' "http://127.0.0.1:$PORT/o/$((COUNT / 2))")
first=$(now_ms)
cache_status=$(curl -s -D - -o /dev/null -H 'Host: bench.test' "http://127.0.0.1:$PORT/o/$((COUNT / 3))" | tr -d '\r' | grep -i '^cache-status' || true)
for _ in $(seq 6000); do
    curl -s "http://127.0.0.1:$ADMIN/stats" | grep -q '"loading":false' && break
    sleep 0.05
done
indexed=$(now_ms)
objects=$(curl -s "http://127.0.0.1:$ADMIN/stats" | sed -n 's/.*"objects":\([0-9]*\).*/\1/p' | tail -1)
echo "records on disk: $COUNT"
echo "serving after: $((serving - start)) ms"
echo "first hit answered after: $((first - start)) ms (status $status; another record: $cache_status)"
echo "index whole after: $((indexed - start)) ms ($objects records)"
