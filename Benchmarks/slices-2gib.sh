#!/usr/bin/env bash
# Issue 17's checks on a real 2 GiB file: nginx serves it (ranges, a strong ETag) as the origin; Edge
# (release build) has `slice_size = "1MiB"` and a disk tier. Prints:
#   1. a cold Range request in the middle of the file (bytes 700000000-700100000): Edge's time to
#      first byte next to the origin's own for the slice that holds it, and the Range headers the
#      origin received (they must be slice-aligned and cover the request);
#   2. a client reading the whole file through Edge while a second one seeks: the SHA-256 of the
#      body next to the file's, and how many times the origin sent each slice (once each).
# Needs nginx, curl, openssl, sha256sum and 5 GiB free under WORK (default /tmp).
# Usage: Benchmarks/slices-2gib.sh            (SIZE=512M for a quicker run)
set -euo pipefail
EDGE=${EDGE:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/edge}
SIZE=${SIZE:-2G}
SLICE=$((1024 * 1024))
work=$(mktemp -d "${WORK:-/tmp}/slices.XXXXXX")
mkdir -p "$work/www" "$work/logs"
chmod 755 "$work" "$work/www"   # nginx workers run as nobody
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT

echo "== generating $SIZE of pseudo-random bytes"
{ openssl enc -aes-128-ctr -pass pass:edge-slices -nosalt -pbkdf2 </dev/zero 2>/dev/null || true; } | head -c "$SIZE" >"$work/www/big.bin"
length=$(stat -c %s "$work/www/big.bin")
expected=$(sha256sum "$work/www/big.bin" | cut -d' ' -f1)

cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
error_log $work/logs/nginx-error.log;
pid $work/nginx.pid;
events { worker_connections 256; }
http {
  log_format ranges '\$http_range \$status \$body_bytes_sent';
  access_log $work/logs/origin.log ranges;
  server {
    listen 127.0.0.1:9831;
    root $work/www;
    location / { add_header Cache-Control "max-age=3600"; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)

cat >"$work/edge.conf" <<CONF
[server]
listen = ["127.0.0.1:9830"]
[admin]
listen = "127.0.0.1:9832"
[logging]
access_log = "off"
[cache]
memory_size = "256MiB"
[cache.disk]
path = "$work/cache"
size = "4GiB"
max_object_size = "2MiB"
[[pools]]
name = "default"
servers = [{ url = "http://127.0.0.1:9831" }]
[[sites]]
hosts = ["*"]
pool = "default"
slice_size = "1MiB"
CONF
"$EDGE" serve --config "$work/edge.conf" >"$work/logs/edge.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:9830/ 2>/dev/null && break; sleep 0.1; done

first=700000000
last=700100000
slice_start=$((first / SLICE * SLICE))
slice_end=$(((last / SLICE + 1) * SLICE - 1))
echo "== 1. cold Range bytes=$first-$last"
origin_ttfb=$(curl -s -o /dev/null -w '%{time_starttransfer}' -H "Range: bytes=$slice_start-$slice_end" http://127.0.0.1:9831/big.bin)
: >"$work/logs/origin.log"
edge_out=$(curl -s -o "$work/range.bin" -D "$work/range.head" -w '%{time_starttransfer} %{size_download}' -H "Range: bytes=$first-$last" http://127.0.0.1:9830/big.bin)
edge_ttfb=${edge_out% *}
got=${edge_out#* }
want=$((last - first + 1))
cmp -s "$work/range.bin" <(tail -c +$((first + 1)) "$work/www/big.bin" | head -c "$want") && same=yes || same=NO
echo "status: $(head -1 "$work/range.head" | tr -d '\r'); $got bytes (want $want); bytes equal to the file's: $same"
echo "time to first byte: Edge (cold) ${edge_ttfb}s; origin alone for slice $slice_start-$slice_end ${origin_ttfb}s"
awk -v e="$edge_ttfb" -v o="$origin_ttfb" 'BEGIN { printf "Edge - origin: %.1f ms (issue 17: within 50 ms)\n", (e - o) * 1000 }'
echo "origin received:"
sed 's/^/  /' "$work/logs/origin.log"
echo "(slice-aligned cover of the request: bytes=$slice_start-$slice_end)"

echo "== 2. whole file through Edge while another client seeks"
: >"$work/logs/origin.log"
(for offset in 1500000000 100000000 2000000000 900000000; do
    [ "$offset" -lt "$length" ] && curl -s -o /dev/null -H "Range: bytes=$offset-$((offset + 65535))" http://127.0.0.1:9830/big.bin
 done) &
seeker=$!
start=$(date +%s.%N)
actual=$(curl -s http://127.0.0.1:9830/big.bin | sha256sum | cut -d' ' -f1)
end=$(date +%s.%N)
wait $seeker
echo "SHA-256 file:    $expected"
echo "SHA-256 via Edge: $actual  ($([ "$actual" = "$expected" ] && echo match || echo MISMATCH))"
awk -v s="$start" -v e="$end" -v n="$length" 'BEGIN { printf "whole file in %.1f s (%.0f MiB/s)\n", e - s, n / (e - s) / 1048576 }'
slices=$(((length + SLICE - 1) / SLICE))
requests=$(wc -l <"$work/logs/origin.log")
distinct=$(cut -d' ' -f1 "$work/logs/origin.log" | sort -u | wc -l)
unaligned=$(awk -v s=$SLICE -v n="$length" '{ split($1, r, "[=-]"); if (r[2] % s != 0 || (r[3] + 1) % s != 0 && r[3] + 1 != n && r[3] + 1 < n) print }' "$work/logs/origin.log" | wc -l)
echo "origin requests during part 2: $requests ($distinct distinct ranges, $unaligned not slice-aligned); slices not stored before part 2: $((slices - 1))"
curl -s http://127.0.0.1:9832/stats | grep -oE '"slice_(fetches|hits)": *[0-9]+' | tr '\n' ' '
echo
