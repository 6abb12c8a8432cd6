#!/usr/bin/env bash
# Runs Edge in front of a small origin so you can watch it cache.
#
#   scripts/demo.sh            # builds Edge, starts an origin on 127.0.0.1:9000 and Edge on 127.0.0.1:8080
#
# The origin is Python's http.server over a generated folder (it sends Last-Modified, so Edge caches
# its pages heuristically). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

EDGE_PORT=${EDGE_PORT:-8080}
ORIGIN_PORT=${ORIGIN_PORT:-9000}

swift build -c release --product edge

site=$(mktemp -d)
cat > "$site/index.html" <<'HTML'
<!doctype html>
<title>Edge demo origin</title>
<h1>Served by the origin, cached by Edge</h1>
<p>Reload and watch the <code>Cache-Status</code> response header.</p>
HTML
head -c 100000 /dev/urandom | base64 > "$site/big.txt"
# The origin sends no Cache-Control, only Last-Modified: files two days old get heuristic freshness
# (10 % of their age, RFC 9111 §4.2.2), about 4.8 hours.
touch -d "2 days ago" "$site/index.html" "$site/big.txt"

python3 -m http.server "$ORIGIN_PORT" --bind 127.0.0.1 --directory "$site" >/dev/null 2>&1 &
origin_pid=$!
trap 'kill $origin_pid 2>/dev/null; rm -rf "$site"' EXIT

cat <<TEXT

Origin: http://127.0.0.1:$ORIGIN_PORT/   Edge: http://127.0.0.1:$EDGE_PORT/

Try, in another terminal:
  curl -si http://127.0.0.1:$EDGE_PORT/ | grep -i -e cache-status -e age     # first a miss (stored), then hits
  curl -si -H 'Range: bytes=0-99' http://127.0.0.1:$EDGE_PORT/big.txt        # a 206 from the cache

TEXT
.build/release/edge serve --listen "127.0.0.1:$EDGE_PORT" --origin "http://127.0.0.1:$ORIGIN_PORT"
