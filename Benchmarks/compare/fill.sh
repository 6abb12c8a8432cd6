# The disk-fill-p99 scenario of Benchmarks/compare.sh: hit latency on a hot set while a stream of
# misses fills the disk. Edge with a memory tier of FILL_MEMORY in front of [cache.disk] (DISK_SIZE)
# and nginx proxy_cache (its disk zone, sendfile off). FILL_HOT_OBJECTS objects of 16 KiB under
# /hot/ are stored first and checked to be hits; then wrk -t1 -c64 asks for one of them at random
# per request, alone, and while a second wrk (-t1 -c FILL_CONNECTIONS, at most about FILL_RATE
# requests/s) asks for a new /fill/ URL every request: 64 KiB, cacheable, stored by the server.
# Both load generators on core 1 (with the origin, which serves the misses). Every measured run with
# the fill gets fresh paths. Sourced, not run; uses compare.sh's and disk.sh's helpers.
# shellcheck shell=bash disable=SC2154,SC2034,SC2153  # work, ports and knobs come from compare.sh

FILL_MEMORY=${FILL_MEMORY:-64MiB}
FILL_HOT_OBJECTS=${FILL_HOT_OBJECTS:-1000}
FILL_RATE=${FILL_RATE:-400}
FILL_CONNECTIONS=${FILL_CONNECTIONS:-8}

start_fill_servers() {
    write_random_lua
    mkdir -p "$work/fill"
    FILL_LUA=$work/fill.lua
    cat >"$FILL_LUA" <<'LUA'
-- wrk script of Benchmarks/compare/fill.sh: a path not asked for before on every request,
-- FILL_PREFIX followed by a counter, each connection waiting FILL_DELAY_MS before each request.
local prefix = os.getenv("FILL_PREFIX")
local pause = tonumber(os.getenv("FILL_DELAY_MS"))
local counter = 0
delay = function()
   return pause
end
request = function()
   counter = counter + 1
   return wrk.format(nil, string.format("%s%09d", prefix, counter))
end
LUA
    EDGE_CONF_MEMORY=$FILL_MEMORY EDGE_CONF_CACHE="[cache.disk]
path = \"$work/edge-fill\"
size = \"$DISK_SIZE\"" start_edge edge-fill "$EDGE" "$EDGE_FILL_PORT" "$EDGE_FILL_ADMIN_PORT"
}

# The miss stream (T_FILL of a target; started by run_load next to the measured wrk): wrk on core 1
# for the same time, a new path under /fill/<tag>/ per request, each connection waiting
# FILL_CONNECTIONS * 1000 / FILL_RATE ms before each request. Output in $work/fill/<tag>.out.
fill_load() { # $1 = server url, $2 = duration, $3 = tag
    FILL_PREFIX=/fill/$3/ FILL_DELAY_MS=$((FILL_CONNECTIONS * 1000 / FILL_RATE)) \
        taskset -c 1 wrk -t1 -c"$FILL_CONNECTIONS" -d"$2" --latency -s "$FILL_LUA" "$1" >"$work/fill/$3.out" 2>&1
}

# After a run with the fill: the dirty pages it left go out now rather than in the next run.
fill_settle() { sync; sleep 1; }

# nginx's disk cache -> "bytes files".
cache_dir_size() { echo "$(du -sb "$work/cache-disk" | cut -f1) $(find "$work/cache-disk" -type f | wc -l)"; }

origin_hot_requests() { wc -l <"$work/logs/origin-hot.log" 2>/dev/null || echo 0; }

# A row on the fill loads of one target's measured runs: median req/s and p99, requests, errors.
fill_row() { # $1 = scenario, $2 = target, $3 = label
    local f parsed v rps=() p99=() requests=0 errors=0
    for f in "$work/fill/$1"-r*"-$2.out"; do
        parsed=$(parse_wrk <"$f")
        read -r -a v <<<"$parsed"
        rps+=("${v[0]}"); p99+=("${v[1]}"); errors=$((errors + v[3])); requests=$((requests + v[4]))
    done
    echo "| $3 | $(group "$(median "${rps[@]}")") | $(printf '%s\n' "${rps[@]}" | while read -r x; do group "$x"; done | paste -sd '/' | sed 's|/| / |g') | $(median "${p99[@]}") ms | $(group "$requests") | $errors |"
}

scenario_disk_fill_p99() {
    local sc=disk-fill-p99 n=$FILL_HOT_OBJECTS ok="^HTTP/1.1 200|size=16384" s0 s1 d0 d1 hot0 hot
    local edge_url=http://127.0.0.1:$EDGE_FILL_PORT nginx_url=http://127.0.0.1:$NGINX_PORT
    RANDOM_OBJECTS=$n
    log "== $sc: $n hot objects of 16 KiB; fill of 64 KiB misses at up to $FILL_RATE req/s"
    DISK_FILL_ROWS=()
    disk_fill Edge "$edge_url/hot/" "$n" 16384 cache-status "^edge; hit" "$EDGE_FILL_ADMIN_PORT"
    disk_fill "nginx proxy_cache" "$nginx_url/hot/" "$n" 16384 x-cache-status "^hit$"

    target fill-edge "Edge, hot set alone" random edge-fill "$edge_url/hot/" "$ok|^cache-status: edge; hit"
    target fill-edge-busy "Edge, hot set + fill" random edge-fill "$edge_url/hot/" "$ok|^cache-status: edge; hit"
    target fill-nginx "nginx proxy_cache, hot set alone" random nginx "$nginx_url/hot/" "$ok|^x-cache-status: HIT"
    target fill-nginx-busy "nginx proxy_cache, hot set + fill" random nginx "$nginx_url/hot/" "$ok|^x-cache-status: HIT"
    T_FILL[fill-edge-busy]=$edge_url
    T_FILL[fill-nginx-busy]=$nginx_url
    s0=$(edge_disk_stats "$EDGE_FILL_ADMIN_PORT"); d0=$(cache_dir_size); hot0=$(origin_hot_requests)
    measure "$sc" 64 fill-edge fill-edge-busy fill-nginx fill-nginx-busy
    s1=$(edge_disk_stats "$EDGE_FILL_ADMIN_PORT"); d1=$(cache_dir_size); hot=$(($(origin_hot_requests) - hot0))

    md "" "### Hot-set hits while a miss stream fills the disk" "" \
        "Edge: \`memory_size = \"$FILL_MEMORY\"\`, \`[cache.disk] size = \"$DISK_SIZE\"\`; nginx: \`proxy_cache_path ... keys_zone=disk:16m" \
        "max_size=2g\` (sendfile off). Hot set: $n objects of 16 KiB, stored and checked to be hits first:" "" \
        "| server | objects | first pass: 200, full body | first pass: hits | second pass: hits | fill time |" \
        "| --- | ---: | ---: | ---: | ---: | ---: |" "${DISK_FILL_ROWS[@]}"
    table "$sc" "Hot set: wrk -t1 -c64, random object of $n; \"+ fill\": with the miss stream on core 1 too (server CPU/req counts the misses' CPU as well)" \
        fill-edge fill-edge-busy fill-nginx fill-nginx-busy
    md "" "p99 with fill / p99 alone: Edge **$(r "$sc" fill-edge-busy fill-edge $P99)×**, nginx **$(r "$sc" fill-nginx-busy fill-nginx $P99)×**;" \
        "hit req/s with fill / alone: Edge $(r "$sc" fill-edge-busy fill-edge $RPS), nginx $(r "$sc" fill-nginx-busy fill-nginx $RPS)." \
        "Edge/nginx with fill: **$(r "$sc" fill-edge-busy fill-nginx-busy $RPS)** req/s, p99 $(r "$sc" fill-edge-busy fill-nginx-busy $P99)×." "" \
        "The miss stream in the measured runs: wrk -t1 -c$FILL_CONNECTIONS, $((FILL_CONNECTIONS * 1000 / FILL_RATE)) ms before each request on a connection" \
        "(at most $FILL_RATE req/s), a new /fill/ path of 64 KiB per request:" "" \
        "| server | fill req/s (median) | rounds | fill p99 | fill requests | errors |" "| --- | ---: | ---: | ---: | ---: | ---: |" \
        "$(fill_row "$sc" fill-edge-busy Edge)" "$(fill_row "$sc" fill-nginx-busy "nginx proxy_cache")" ""
    md "$(awk -v a="$s0" -v b="$s1" -v c="$d0" -v d="$d1" -v hot="$hot" 'BEGIN {
        split(a, x, " "); split(b, y, " "); split(c, p, " "); split(d, q, " ")
        printf "Written to disk during the measured runs (warm-ups included): Edge %d records (%.0f MiB of 64 KiB bodies), %d turned away, %d shed, %d errors, %d records on disk at the end, %d disk hits;", y[5] - x[5], (y[5] - x[5]) / 16, y[6] - x[6], y[7] - x[7], y[8] - x[8], y[4], y[3] - x[3]
        printf " nginx'"'"'s cache directory grew by %d files, %.0f MiB. Hot-set requests reaching the origin during the runs: %d.", q[2] - p[2], (q[1] - p[1]) / 1048576, hot }')"
    goal "hot-set p99 with disk fill / without: Edge" "$(r "$sc" fill-edge-busy fill-edge $P99)" le 2.0
}
