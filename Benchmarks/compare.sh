#!/usr/bin/env bash
# Edge side by side with nginx proxy_cache and Varnish (issue 8): the server under test on core 0,
# the load generator on core 1, the targets measured one at a time and alternately round by round
# (A B C, A B C, ...); the median per target and the ratios Edge/nginx and Edge/Varnish.
#
#   Benchmarks/compare.sh                                      # everything (about 20 minutes)
#   ROUNDS=1 DURATION=2s SCENARIOS=hit-1k,h2 Benchmarks/compare.sh
#   SKIP_BUILD=1 EDGE=/path/to/edge MARKDOWN_OUT=compare.md Benchmarks/compare.sh
#   SKIP_BUILD=1 EDGE=/path/to/new/edge EDGE_BASELINE=/path/to/old/edge SCENARIOS=hit-1k Benchmarks/compare.sh
#
# Scenarios (SCENARIOS, comma-separated, default all but the disk ones, run in this order):
#   hit-1k, hit-16k, hit-256k  cached identity hits, wrk -t1 -c64 --latency
#   hit-1k-512                 cached 1 KiB hits at 512 connections
#   hit-1k-tls                 cached 1 KiB hits over TLS 1.3, HTTP/1.1 (wrk offers no ALPN), -c64
#   js-br                      100 KiB JavaScript: Edge br and Edge identity vs nginx and Varnish gzip
#   js-gzip                    the same asset with Accept-Encoding: gzip for every target
#   h2                         1 KiB hits over HTTP/2, h2load 64 connections x 10 streams, h2c and TLS
#   miss                       unique URLs: Edge vs nginx proxying without cache vs the origin directly,
#                              as fast as each answers, then Edge and the proxy at one offered load
#                              (each connection pausing MISS_PACE_MS between requests): CPU per
#                              request falls with load (more work per wake-up), so a fast server
#                              measured flat out pays less per request than it would at Edge's rate
#   memory                     resident size before and after caching OBJECTS small objects
#   disk-16k, disk-1m          hits on objects mostly on disk (Benchmarks/compare/disk.sh): 20 000 x
#                              16 KiB or 400 x 1 MiB, a random one per request; Edge with an 8 MiB
#                              memory tier and a disk tier, nginx proxy_cache (sendfile off and on),
#                              Varnish -s file. Not in the default: the fills and 4 targets each add
#                              about 7 minutes. Select them: SCENARIOS=disk-16k,disk-1m
#   disk-fill-p99              hot-set hit p99 while a stream of misses fills the disk
#                              (Benchmarks/compare/fill.sh): 1 000 x 16 KiB at random, wrk -c64,
#                              alone and next to a second wrk asking for new 64 KiB objects; Edge
#                              (FILL_MEMORY memory + disk tier) and nginx proxy_cache. Not in the default.
#
# Knobs: ROUNDS (3), DURATION (10s), WARMUP (2s), BASE_PORT (9700; the 23 ports from it), OBJECTS (1000000), MEMORY_VARNISH (1 = also fill Varnish), FILL_TIMEOUT (900 s per
# fill), EDGE_CACHE_SIZE (4GiB), VARNISH_STORAGE (4G), NGINX_GZIP_LEVEL (6), UNIQUE_BODY_BYTES (64),
# MISS_PACE_MS (10: at 64 connections an offered load of at most 6 400 misses a second),
# ASSET (the JavaScript; default 100 KiB of this repo's Swift sources), SKIP_BUILD=1, EDGE (binary;
# default .build/release/edge), MARKDOWN_OUT (also write the report there), KEEP_WORK=1 (keep
# configs, logs), DISK_MEMORY (8MiB: Edge's memory tier in the disk scenarios), DISK_OBJECTS_16K
# (20000), DISK_OBJECTS_1M (400); disk-fill-p99: FILL_MEMORY (64MiB), FILL_HOT_OBJECTS (1000),
# FILL_RATE (400 req/s at most), FILL_CONNECTIONS (8).
#
# EDGE_BASELINE=/path/to/other/edge (unset: none) compares Edge with an earlier build of itself: the
# baseline runs with Edge's configuration on its own ports (also on core 0), and every Edge target
# of every selected scenario gets a twin "Edge (baseline)..." measured right after it in each round,
# alternating with the others exactly like them. Each table gets a column Edge/baseline (req/s,
# ratio of medians) and a line with the req/s, p99 and CPU/req ratios. In the memory scenario the
# baseline is filled after Edge (one fill each, as for the others): one more row and the ratio of
# bytes per object. The issue 8 targets stay Edge's alone. The disk scenarios have no baseline twin.
#
# Servers: the origin is nginx (1 worker, on core 1 with the load generator: only miss and memory
# runs reach it) serving generated fixtures with `Cache-Control: max-age=3600`. On core 0: Edge
# (release, event_loops = 1, access log off, compression on: stored br/gzip variants), one nginx
# process (1 worker; proxy_cache on HTTP/1.1, `http2` cleartext and TLS, gzip per response; and a
# proxy without cache), Varnish (malloc storage, stores gzip for compressible types,
# feature=+http2). Every response is checked (hit, encoding, size) before each measured run; a
# target that is not serving hits stops the script. Stops only the processes it started.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/sbin"

# The command as given, for the report (only knobs set in the environment).
command_line=""
for knob in ROUNDS DURATION WARMUP SCENARIOS BASE_PORT OBJECTS MEMORY_VARNISH FILL_TIMEOUT EDGE_CACHE_SIZE \
    VARNISH_STORAGE NGINX_GZIP_LEVEL UNIQUE_BODY_BYTES MISS_PACE_MS ASSET SKIP_BUILD EDGE EDGE_BASELINE MARKDOWN_OUT \
    DISK_MEMORY DISK_OBJECTS_16K DISK_OBJECTS_1M FILL_MEMORY FILL_HOT_OBJECTS FILL_RATE FILL_CONNECTIONS; do
    if [ -n "${!knob+x}" ]; then command_line+="$knob=$(printf '%q' "${!knob}") "; fi
done
command_line+="Benchmarks/compare.sh"

ALL_SCENARIOS="hit-1k,hit-16k,hit-256k,hit-1k-512,hit-1k-tls,js-br,js-gzip,h2,miss,memory"
KNOWN_SCENARIOS="$ALL_SCENARIOS,disk-16k,disk-1m,disk-fill-p99"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
SCENARIOS=${SCENARIOS:-$ALL_SCENARIOS}
BASE_PORT=${BASE_PORT:-9700}
OBJECTS=${OBJECTS:-1000000}
MEMORY_VARNISH=${MEMORY_VARNISH:-1}
FILL_TIMEOUT=${FILL_TIMEOUT:-900}
EDGE_CACHE_SIZE=${EDGE_CACHE_SIZE:-4GiB}
VARNISH_STORAGE=${VARNISH_STORAGE:-4G}
NGINX_GZIP_LEVEL=${NGINX_GZIP_LEVEL:-6}
UNIQUE_BODY_BYTES=${UNIQUE_BODY_BYTES:-64}
MISS_PACE_MS=${MISS_PACE_MS:-10}
H2_CLIENTS=64
H2_STREAMS=10

ORIGIN_PORT=$BASE_PORT
EDGE_PORT=$((BASE_PORT + 1)); EDGE_H2C_PORT=$((BASE_PORT + 2)); EDGE_TLS_PORT=$((BASE_PORT + 3))
EDGE_ADMIN_PORT=$((BASE_PORT + 4))
NGINX_PORT=$((BASE_PORT + 5)); NGINX_H2C_PORT=$((BASE_PORT + 6)); NGINX_TLS_PORT=$((BASE_PORT + 7))
NGINX_NOCACHE_PORT=$((BASE_PORT + 8)); VARNISH_PORT=$((BASE_PORT + 9))
EDGE_MEM_PORT=$((BASE_PORT + 10)); EDGE_MEM_ADMIN_PORT=$((BASE_PORT + 11)); VARNISH_MEM_PORT=$((BASE_PORT + 12))
BASELINE_PORT=$((BASE_PORT + 13)); BASELINE_H2C_PORT=$((BASE_PORT + 14)); BASELINE_TLS_PORT=$((BASE_PORT + 15))
BASELINE_ADMIN_PORT=$((BASE_PORT + 16))
EDGE_DISK_PORT=$((BASE_PORT + 17)); EDGE_DISK_ADMIN_PORT=$((BASE_PORT + 18))
NGINX_SENDFILE_PORT=$((BASE_PORT + 19)); VARNISH_DISK_PORT=$((BASE_PORT + 20))
EDGE_FILL_PORT=$((BASE_PORT + 21)); EDGE_FILL_ADMIN_PORT=$((BASE_PORT + 22))
EDGE_BASELINE=${EDGE_BASELINE:-}

# shellcheck source=Benchmarks/compare/lib.sh
source Benchmarks/compare/lib.sh
# shellcheck source=Benchmarks/compare/servers.sh
source Benchmarks/compare/servers.sh
# shellcheck source=Benchmarks/compare/runs.sh
source Benchmarks/compare/runs.sh
# shellcheck source=Benchmarks/compare/memory.sh
source Benchmarks/compare/memory.sh
# shellcheck source=Benchmarks/compare/disk.sh
source Benchmarks/compare/disk.sh
# shellcheck source=Benchmarks/compare/fill.sh
source Benchmarks/compare/fill.sh
LUA=$PWD/Benchmarks/compare/unique.lua

IFS=',' read -ra selected <<<"$SCENARIOS"
for s in "${selected[@]}"; do
    [[ ",$KNOWN_SCENARIOS," == *",$s,"* ]] || die "unknown scenario '$s' (known: $KNOWN_SCENARIOS)"
done
wants() { [[ ",$SCENARIOS," == *",$1,"* ]]; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number"
[[ $OBJECTS =~ ^[1-9][0-9]*$ ]] || die "OBJECTS must be a positive number"

scripts/require.sh bench
NGINX=$(command -v nginx)
[ "$(nproc)" -ge 2 ] || die "needs 2 cores (server on core 0, load generator on core 1)"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building Edge (release)"
    swift build -c release --product edge >&2
fi
EDGE=${EDGE:-$PWD/.build/release/edge}
[ -x "$EDGE" ] || die "no Edge binary at $EDGE"
[ -z "$EDGE_BASELINE" ] || [ -x "$EDGE_BASELINE" ] || die "no baseline Edge binary at $EDGE_BASELINE"

for port in $(seq "$BASE_PORT" $((BASE_PORT + 22))); do
    ! port_in_use "$port" || die "port $port is in use: pick another BASE_PORT"
done

work=$(mktemp -d)
cleanup() {
    stop_all
    if [ "${KEEP_WORK:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
make_fixtures
TICK=$(getconf CLK_TCK)

report=$work/report.md
md() { printf '%s\n' "$@" >>"$report"; }
goals=()
# A row of the closing table: what, measured value, comparison ("ge"/"le"), goal.
goal() { # $1 = what, $2 = measured, $3 = ge|le, $4 = goal
    local met
    met=$(awk -v m="$2" -v op="$3" -v g="$4" 'BEGIN {
        if (m == "-" || m == "") print "-"; else if (op == "ge") print (m + 0 >= g + 0 ? "yes" : "no"); else print (m + 0 <= g + 0 ? "yes" : "no") }')
    local sign="≥"
    [ "$3" = le ] && sign="≤"
    goals+=("| $1 | $2 | $sign $4 | $met |")
}

# --- scenarios ----------------------------------------------------------------------------------

hit_targets() { # $1 = path, $2 = size
    local same="^HTTP/1.1 200|size=$2|!^content-encoding"
    target edge "Edge" wrk edge "http://127.0.0.1:$EDGE_PORT$1" "$same|^cache-status: edge; hit"
    target nginx "nginx proxy_cache" wrk nginx "http://127.0.0.1:$NGINX_PORT$1" "$same|^x-cache-status: HIT"
    target varnish "Varnish" wrk varnish "http://127.0.0.1:$VARNISH_PORT$1" "$same|^x-varnish: [0-9]+ [0-9]+|^age: "
}

hit_scenario() { # $1 = scenario, $2 = path, $3 = size, $4 = connections, $5 = heading
    local sc=$1
    hit_targets "$2" "$3"
    measure "$sc" "$4" edge nginx varnish
    table "$sc" "$5" edge nginx varnish
    md "" "Edge/nginx: **$(r "$sc" edge nginx $RPS)** req/s, $(r "$sc" edge nginx $MIB) MiB/s, p99 $(r "$sc" edge nginx $P99)×," \
        "CPU/req $(r "$sc" edge nginx $CPU)×; Edge/Varnish: **$(r "$sc" edge varnish $RPS)** req/s, $(r "$sc" edge varnish $MIB) MiB/s," \
        "p99 $(r "$sc" edge varnish $P99)×, CPU/req $(r "$sc" edge varnish $CPU)×."
}

scenario_hit_1k() {
    hit_scenario hit-1k /1k 1024 64 "Cached 1 KiB hits, HTTP/1.1, 64 connections (wrk -t1 -c64)"
    goal "1 KiB hits, 64 conns: req/s Edge/nginx" "$(r hit-1k edge nginx $RPS)" ge 1.2
    goal "1 KiB hits, 64 conns: req/s Edge/Varnish" "$(r hit-1k edge varnish $RPS)" ge 1.0
    goal "1 KiB hits, 64 conns: p99 Edge/nginx" "$(r hit-1k edge nginx $P99)" le 1.0
}
scenario_hit_16k() {
    hit_scenario hit-16k /16k 16384 64 "Cached 16 KiB hits, HTTP/1.1, 64 connections"
}
scenario_hit_256k() {
    hit_scenario hit-256k /256k 262144 64 "Cached 256 KiB hits, HTTP/1.1, 64 connections"
    goal "256 KiB hits: MiB/s Edge/nginx" "$(r hit-256k edge nginx $MIB)" ge 1.0
}
scenario_hit_1k_512() {
    hit_scenario hit-1k-512 /1k 1024 512 "Cached 1 KiB hits, HTTP/1.1, 512 connections (wrk -t1 -c512)"
    goal "1 KiB hits, 512 conns: req/s Edge/nginx" "$(r hit-1k-512 edge nginx $RPS)" ge 1.2
    goal "1 KiB hits, 512 conns: req/s Edge/Varnish" "$(r hit-1k-512 edge varnish $RPS)" ge 1.0
    goal "1 KiB hits, 512 conns: p99 Edge/nginx" "$(r hit-1k-512 edge nginx $P99)" le 1.0
}

# "TLSv1.3 TLS_AES_256_GCM_SHA384" as an OpenSSL client (as wrk) gets it from a TLS port.
tls_session() { # $1 = port
    openssl s_client -connect "127.0.0.1:$1" -servername bench.test </dev/null 2>/dev/null |
        awk '/^New, / {sub(/,$/, "", $2); print $2, $NF; exit}'
}

scenario_hit_1k_tls() {
    local sc=hit-1k-tls same="^HTTP/1.1 200|size=1024|!^content-encoding" edge_tls nginx_tls
    target edge-https "Edge, TLS" wrk edge "https://127.0.0.1:$EDGE_TLS_PORT/1k" "$same|^cache-status: edge; hit"
    target nginx-https "nginx proxy_cache, ssl" wrk nginx "https://127.0.0.1:$NGINX_TLS_PORT/1k" "$same|^x-cache-status: HIT"
    edge_tls=$(tls_session "$EDGE_TLS_PORT"); nginx_tls=$(tls_session "$NGINX_TLS_PORT")
    [ "$edge_tls" = "$nginx_tls" ] && [[ $edge_tls == TLSv1.3* ]] ||
        die "$sc: Edge negotiates '$edge_tls', nginx '$nginx_tls' (both should be the same TLSv1.3 suite)"
    measure "$sc" 64 edge-https nginx-https
    table "$sc" "Cached 1 KiB hits over TLS, HTTP/1.1, 64 connections (wrk -t1 -c64, keep-alive)" edge-https nginx-https
    md "" "Edge/nginx: **$(r "$sc" edge-https nginx-https $RPS)** req/s, p99 $(r "$sc" edge-https nginx-https $P99)×," \
        "CPU/req $(r "$sc" edge-https nginx-https $CPU)×. Both: $edge_tls, the same P-256 certificate; wrk offers" \
        "no ALPN, so both answer HTTP/1.1; one handshake per connection."
    goal "1 KiB hits over TLS, HTTP/1.1: req/s Edge/nginx" "$(r "$sc" edge-https nginx-https $RPS)" ge 1.0
}

js_targets() {
    local url=/app.js ok="^HTTP/1.1 200"
    target edge-br "Edge, br (stored)" wrk edge "http://127.0.0.1:$EDGE_PORT$url" \
        "$ok|^cache-status: edge; hit|^content-encoding: br" "Accept-Encoding: br"
    target edge-gzip "Edge, gzip (stored)" wrk edge "http://127.0.0.1:$EDGE_PORT$url" \
        "$ok|^cache-status: edge; hit|^content-encoding: gzip" "Accept-Encoding: gzip"
    target edge-identity "Edge, identity" wrk edge "http://127.0.0.1:$EDGE_PORT$url" \
        "$ok|^cache-status: edge; hit|!^content-encoding|size=$JS_SIZE"
    target nginx-gzip "nginx proxy_cache, gzip (per response)" wrk nginx "http://127.0.0.1:$NGINX_PORT$url" \
        "$ok|^x-cache-status: HIT|^content-encoding: gzip" "Accept-Encoding: gzip"
    target varnish-gzip "Varnish, gzip (stored)" wrk varnish "http://127.0.0.1:$VARNISH_PORT$url" \
        "$ok|^x-varnish: [0-9]+ [0-9]+|^age: |^content-encoding: gzip" "Accept-Encoding: gzip"
}

scenario_js_br() {
    js_targets
    measure js-br 64 edge-br edge-identity nginx-gzip varnish-gzip
    table js-br "100 KiB JavaScript ($JS_SIZE bytes): Edge with Accept-Encoding: br; nginx and Varnish (no br) with gzip; 64 connections" \
        edge-br edge-identity nginx-gzip varnish-gzip
    md "" "Edge br / Varnish gzip: **$(r js-br edge-br varnish-gzip $RPS)**; Edge br / nginx gzip: **$(r js-br edge-br nginx-gzip $RPS)**;" \
        "Edge br / Edge identity: **$(r js-br edge-br edge-identity $RPS)** (req/s)."
    goal "100 KiB JS: req/s Edge br / Varnish gzip" "$(r js-br edge-br varnish-gzip $RPS)" ge 1.0
    goal "100 KiB JS: req/s Edge br / Edge identity" "$(r js-br edge-br edge-identity $RPS)" ge 0.9
}

scenario_js_gzip() {
    js_targets
    measure js-gzip 64 edge-gzip nginx-gzip varnish-gzip
    table js-gzip "100 KiB JavaScript, Accept-Encoding: gzip, 64 connections" edge-gzip nginx-gzip varnish-gzip
    md "" "Edge/nginx: **$(r js-gzip edge-gzip nginx-gzip $RPS)**; Edge/Varnish: **$(r js-gzip edge-gzip varnish-gzip $RPS)** (req/s)."
}

scenario_h2() {
    local hit="^HTTP/2 200|size=1024" list=(edge-h2c nginx-h2c) varnish_note
    target edge-h2c "Edge, h2c" h2c edge "http://127.0.0.1:$EDGE_H2C_PORT/1k" "$hit|^cache-status: edge; hit"
    target nginx-h2c "nginx, http2 cleartext" h2c nginx "http://127.0.0.1:$NGINX_H2C_PORT/1k" "$hit|^x-cache-status: HIT"
    target varnish-h2c "Varnish, h2c (feature=+http2)" h2c varnish "http://127.0.0.1:$VARNISH_PORT/1k" \
        "$hit|^x-varnish: [0-9]+ [0-9]+|^age: "
    target edge-tls "Edge, TLS (ALPN h2)" tls edge "https://bench.test:$EDGE_TLS_PORT/1k" "$hit|^cache-status: edge; hit"
    target nginx-tls "nginx, TLS http2" tls nginx "https://bench.test:$NGINX_TLS_PORT/1k" "$hit|^x-cache-status: HIT"
    if check_target varnish-h2c probe 2>"$work/logs/varnish-h2c.check"; then
        list+=(varnish-h2c)
        varnish_note=""
    else
        varnish_note="Varnish h2c (prior knowledge, feature=+http2) did not serve hits here, so it is left out: $(tr '\n' ' ' <"$work/logs/varnish-h2c.check" | cut -c1-200)"
        log "$varnish_note"
    fi
    list+=(edge-tls nginx-tls)
    measure h2 0 "${list[@]}"
    table h2 "Cached 1 KiB hits over HTTP/2 (h2load -c$H2_CLIENTS -m$H2_STREAMS)" "${list[@]}"
    md "" "h2c Edge/nginx: **$(r h2 edge-h2c nginx-h2c $RPS)**; TLS Edge/nginx: **$(r h2 edge-tls nginx-tls $RPS)**."
    if [ -n "$varnish_note" ]; then md "" "$varnish_note"; else md "" "h2c Edge/Varnish: **$(r h2 edge-h2c varnish-h2c $RPS)**."; fi
    md "" "Same throwaway P-256 certificate for both TLS listeners; h2load prints no percentiles."
    goal "HTTP/2 1 KiB hits, h2c: req/s Edge/nginx" "$(r h2 edge-h2c nginx-h2c $RPS)" ge 1.2
    goal "HTTP/2 1 KiB hits, TLS: req/s Edge/nginx" "$(r h2 edge-tls nginx-tls $RPS)" ge 1.2
}

scenario_miss() {
    local ok="^HTTP/1.1 200|size=$UNIQUE_BODY_BYTES"
    target edge "Edge (miss, stores)" unique edge "http://127.0.0.1:$EDGE_PORT" "$ok|^cache-status: edge; fwd=(uri-)?miss"
    target nginx-proxy "nginx proxy, no cache" unique nginx "http://127.0.0.1:$NGINX_NOCACHE_PORT" "$ok|!^x-cache-status"
    target origin "origin directly (nginx)" unique origin "http://127.0.0.1:$ORIGIN_PORT" "$ok"
    measure miss 64 edge nginx-proxy origin
    table miss "Misses: a new URL per request ($UNIQUE_BODY_BYTES-byte cacheable body), 64 connections" edge nginx-proxy origin
    md "" "During these runs the origin runs on core 1 alongside wrk (the proxy alone on core 0), so the request rate" \
        "may be bounded by core 1; the server's own CPU per request is the cost. For the origin row it is the origin's CPU." \
        "" "Cost Edge/nginx proxy (CPU µs/req): **$(r miss edge nginx-proxy $CPU)**; by request rate (nginx req/s ÷ Edge req/s):" \
        "$(r miss nginx-proxy edge $RPS)."
    goal "misses: CPU per request Edge/nginx proxy" "$(r miss edge nginx-proxy $CPU)" le 1.5

    # The same cost at the same offered load: flat out, nginx answers several times Edge's rate and
    # each of its wake-ups (and the load generator's and the origin's) serves more requests.
    target edge-paced "Edge (miss, stores), paced" paced edge "http://127.0.0.1:$EDGE_PORT" "$ok|^cache-status: edge; fwd=(uri-)?miss"
    target nginx-proxy-paced "nginx proxy, no cache, paced" paced nginx "http://127.0.0.1:$NGINX_NOCACHE_PORT" "$ok|!^x-cache-status"
    measure miss-paced 64 edge-paced nginx-proxy-paced
    table miss-paced "Misses at one offered load: 64 connections, each pausing $MISS_PACE_MS ms after every response" edge-paced nginx-proxy-paced
    md "" "Cost Edge/nginx proxy at one offered load (CPU µs/req): **$(r miss-paced edge-paced nginx-proxy-paced $CPU)**;" \
        "request rates $(r miss-paced edge-paced nginx-proxy-paced $RPS) (1.00 when both kept up with the offered load)."
    goal "misses at one offered load: CPU per request Edge/nginx proxy" "$(r miss-paced edge-paced nginx-proxy-paced $CPU)" le 1.5
}

# --- run ----------------------------------------------------------------------------------------

seconds() { awk -v d="$1" 'BEGIN {n = d + 0; if (d ~ /ms$/) n /= 1000; else if (d ~ /m$/) n *= 60; else if (d ~ /h$/) n *= 3600; print n}'; }
runs=0
# scenario:targets:baseline twins
for s in hit-1k:3:1 hit-16k:3:1 hit-256k:3:1 hit-1k-512:3:1 hit-1k-tls:2:1 js-br:4:2 js-gzip:3:1 h2:5:2 miss:5:2 \
    disk-16k:4:0 disk-1m:4:0 disk-fill-p99:4:0; do
    IFS=: read -r name n twins <<<"$s"
    [ -n "$EDGE_BASELINE" ] || twins=0
    if wants "$name"; then runs=$((runs + n + twins)); fi
done
log "about $(awk -v r="$runs" -v n="$ROUNDS" -v d="$(seconds "$DURATION")" -v w="$(seconds "$WARMUP")" \
    'BEGIN {printf "%.0f", r * (n * d + w + 1)}') s of load runs$(if wants memory; then echo ", plus the memory fills"; fi)$(
    if wants_disk || wants disk-fill-p99; then echo ", plus the disk fills"; fi)"

model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
swift_v=$(swift --version 2>&1 || echo "swift not on PATH"); swift_v=${swift_v%%$'\n'*}
swift_v=${swift_v#*Swift version }
varnish_v=$(varnishd -V 2>&1); varnish_v=${varnish_v%%$'\n'*}
source_rev() { # $1 = binary -> its checkout's commit when it lies in a .build folder, else "-"
    local rev="-" dir=${1%%/.build/*}
    if [[ $1 == */.build/* ]] && git -C "$dir" rev-parse --short HEAD >/dev/null 2>&1; then
        rev=$(git -C "$dir" rev-parse --short HEAD)
        [ -z "$(git -C "$dir" status --porcelain --untracked-files=no)" ] || rev+=" (with uncommitted changes)"
    fi
    echo "$rev"
}
edge_rev=$(source_rev "$EDGE")
md "## Edge side by side with nginx and Varnish" "" \
    "Date: $(date -u '+%Y-%m-%d %H:%M UTC'). Machine: $(nproc) cores, ${model:-unknown CPU}, Linux $(uname -r)," \
    "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $varnish_v, Swift ${swift_v}, $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(h2load --version | head -1)." \
    "Edge: \`$EDGE\`, source $edge_rev.$(if [ -n "$EDGE_BASELINE" ]; then
        echo " Baseline: \`$EDGE_BASELINE\`, source $(source_rev "$EDGE_BASELINE")."; fi)" "" \
    "Command: \`$command_line\` (ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP, scenarios $SCENARIOS)." "" \
    "Each server under test on core 0 (\`taskset -c 0\`): Edge (release, \`event_loops = 1\`, access log off, stored" \
    "br/gzip variants), nginx (1 worker, \`proxy_cache\`, gzip level $NGINX_GZIP_LEVEL per response), Varnish (malloc, stores gzip)." \
    "wrk (-t1) / h2load on core 1, as is the origin (nginx serving the fixtures). Targets measured one at a time," \
    "alternately round by round; medians over $ROUNDS round(s) of $DURATION after a $WARMUP warm-up; errors = socket errors +" \
    "non-2xx/3xx (wrk) or failed requests (h2load), summed. Every response checked (hit, encoding, size) before every run."
if [ -n "$EDGE_BASELINE" ]; then
    md "Edge (baseline): the EDGE_BASELINE binary with Edge's configuration on its own ports, also on core 0;" \
        "each Edge target has a baseline twin measured right after it in every round. Edge/baseline = ratio of medians."
fi

# The servers of the hit, js, h2 and miss scenarios; the memory scenario starts its own; the disk
# scenarios use the nginx proxy process and start an Edge and a Varnish of their own (disk-fill-p99
# an Edge of its own).
hit_servers=0
for s in "${selected[@]}"; do
    case $s in memory|disk-*) ;; *) hit_servers=1 ;; esac
done
start_origin
if [ $hit_servers = 1 ] || wants_disk || wants disk-fill-p99; then start_nginx_proxy; fi
if [ $hit_servers = 1 ]; then
    start_varnish varnish "$VARNISH_PORT"
    start_edge edge "$EDGE" "$EDGE_PORT" "$EDGE_ADMIN_PORT" "$EDGE_H2C_PORT" "$EDGE_TLS_PORT"
    if [ -n "$EDGE_BASELINE" ]; then
        start_edge edge-base "$EDGE_BASELINE" "$BASELINE_PORT" "$BASELINE_ADMIN_PORT" "$BASELINE_H2C_PORT" "$BASELINE_TLS_PORT"
    fi
fi
if wants_disk; then start_disk_servers; fi
if wants disk-fill-p99; then start_fill_servers; fi
for s in ${KNOWN_SCENARIOS//,/ }; do
    if wants "$s"; then "scenario_${s//-/_}"; fi
done

if [ ${#goals[@]} -gt 0 ]; then
    md "" "### Targets (issues 8 and 16)" "" "| target | measured | goal | met |" "| --- | ---: | ---: | --- |" "${goals[@]}"
fi
cat "$report"
if [ -n "${MARKDOWN_OUT:-}" ]; then cp "$report" "$MARKDOWN_OUT"; log "report written to $MARKDOWN_OUT"; fi
