# The memory scenario of Benchmarks/compare.sh: a fresh Edge (then the EDGE_BASELINE Edge, and
# Varnish) filled with OBJECTS small objects on unique paths, resident size before and after, bytes
# per object beyond body and key.
# Sourced, not run; uses compare.sh's helpers (md, goal, start_edge, ...).
# shellcheck shell=bash disable=SC2154,SC2034,SC2153  # work, ports and knobs come from compare.sh

edge_entries() { # $1 = field of /stats
    curl -s --max-time 5 "http://127.0.0.1:$EDGE_MEM_ADMIN_PORT/stats" | grep -oE "\"$1\": *[0-9]+" | grep -oE '[0-9]+$' || echo 0
}
edge_count() { edge_entries entries; }
varnish_count() {
    varnishstat -n "$work/varnish-mem" -1 -f MAIN.n_object 2>/dev/null | awk '{print $2 + 0}' || echo 0
}

# Fills a fresh server with OBJECTS unique small objects; sets FILLED to "objects seconds rss_before rss_after".
memory_fill() { # $1 = server name, $2 = port, $3 = count function
    local name=$1 url="http://127.0.0.1:$2" count=$3 pid=${PID[$1]} before after rss0 rss1 start fill n
    # Connections, buffers and threads exist before the first reading: 64 connections on one path.
    UNIQUE_PREFIX=/m/warm- UNIQUE_LIMIT=1 taskset -c 1 wrk -t1 -c64 -d1s -s "$LUA" "$url" >/dev/null
    sleep 1
    before=$($count)
    rss0=$(rss_bytes "$pid")
    start=$SECONDS
    UNIQUE_PREFIX=/m/ UNIQUE_LIMIT=$OBJECTS taskset -c 1 wrk -t1 -c64 -d"${FILL_TIMEOUT}s" -s "$LUA" "$url" \
        >"$work/logs/fill-$name.log" 2>&1 &
    fill=$!
    pids+=("$fill")
    while kill -0 "$fill" 2>/dev/null; do
        n=$(($($count) - before))
        [ "$n" -ge "$OBJECTS" ] && break
        sleep 0.5
    done
    kill "$fill" 2>/dev/null || true
    wait "$fill" 2>/dev/null || true
    sleep 1
    after=$($count)
    rss1=$(rss_bytes "$pid")
    n=$((after - before))
    [ "$n" -ge "$OBJECTS" ] || log "WARNING: $name stored $n of $OBJECTS objects within ${FILL_TIMEOUT}s"
    FILLED="$n $((SECONDS - start)) $rss0 $rss1"
}

memory_row() { # $1 = label, $2 = "objects seconds rss_before rss_after", $3 = key length, $4 = extra column
    local objects seconds rss0 rss1
    read -r objects seconds rss0 rss1 <<<"$2"
    awk -v l="$1" -v n="$objects" -v s="$seconds" -v a="$rss0" -v b="$rss1" -v body="$UNIQUE_BODY_BYTES" -v key="$3" -v x="$4" 'BEGIN {
        per = (n > 0 ? (b - a) / n : 0)
        printf "| %s | %d | %d s | %.1f MiB | %.1f MiB | %.0f | %d | %d | **%.0f** | %s |\n", l, n, s, a / 1048576, b / 1048576, per, body, key, per - body - key, x }'
}

# A fresh Edge on the memory ports, filled; sets MEMORY_ROW to its table row.
memory_edge() { # $1 = label, $2 = binary, $3 = name for the log
    local label=$1 key_len result edge_bytes0 edge_bytes1 store_note
    start_edge edge-mem "$2" "$EDGE_MEM_PORT" "$EDGE_MEM_ADMIN_PORT"
    expect_response "$label (memory)" "^HTTP/1.1 200|^cache-status: edge; fwd=(uri-)?miss" "http://127.0.0.1:$EDGE_MEM_PORT/m/check" \
        || die "memory: $label does not store /m/ paths"
    expect_response "$label (memory)" "^HTTP/1.1 200|^cache-status: edge; hit" "http://127.0.0.1:$EDGE_MEM_PORT/m/check" \
        || die "memory: $label does not serve /m/ paths from cache"
    edge_bytes0=$(edge_entries bytes)
    memory_fill edge-mem "$EDGE_MEM_PORT" edge_count
    result=$FILLED
    edge_bytes1=$(edge_entries bytes)
    store_note=$(awk -v a="$edge_bytes0" -v b="$edge_bytes1" -v n="${result%% *}" 'BEGIN {printf "store accounts %.0f B/object", (n > 0 ? (b - a) / n : 0)}')
    [ "$(edge_entries evictions)" = 0 ] || store_note+=", EVICTIONS: raise EDGE_CACHE_SIZE"
    stop_server edge-mem
    key_len=$((${#EDGE_MEM_PORT} + 10 + 3 + 9))   # "127.0.0.1:PORT" + "/m/" + 9 digits
    MEMORY_ROW=$(memory_row "$label" "$result" "$key_len" "$store_note")
    log "  $3: $result"
}

# A column of a memory_row row without spaces and bold marks (6 = RSS/object, 9 = overhead/object).
memory_field() { # $1 = row, $2 = column
    awk -v row="$1" -v i="$(($2 + 1))" 'BEGIN {split(row, f, "|"); v = f[i]; gsub(/[ *]/, "", v); print v}'
}

scenario_memory() {
    local key_len result over edge_row base_row="" varnish_row
    log "== memory ($OBJECTS objects)"
    memory_edge "Edge" "$EDGE" edge
    edge_row=$MEMORY_ROW
    if [ -n "$EDGE_BASELINE" ]; then
        memory_edge "Edge (baseline)" "$EDGE_BASELINE" baseline
        base_row=$MEMORY_ROW
    fi
    varnish_row=""
    if [ "$MEMORY_VARNISH" = 1 ]; then
        start_varnish varnish-mem "$VARNISH_MEM_PORT"
        curl -s -o /dev/null "http://127.0.0.1:$VARNISH_MEM_PORT/m/check"
        expect_response "Varnish (memory)" "^HTTP/1.1 200|^x-varnish: [0-9]+ [0-9]+" "http://127.0.0.1:$VARNISH_MEM_PORT/m/check" \
            || die "memory: Varnish does not serve /m/ paths from cache"
        memory_fill varnish-mem "$VARNISH_MEM_PORT" varnish_count
        result=$FILLED
        stop_server varnish-mem
        key_len=$((${#VARNISH_MEM_PORT} + 10 + 3 + 9))
        varnish_row=$(memory_row "Varnish (malloc)" "$result" "$key_len" "MAIN.n_object; manager + child RSS")
        log "  varnish: $result"
    fi
    md "" "### Memory: $OBJECTS small objects ($UNIQUE_BODY_BYTES-byte bodies, unique paths) cached" "" \
        "| server | objects | fill time | RSS before | RSS after | RSS/object | body | key | overhead/object | note |" \
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |" "$edge_row"
    [ -z "$base_row" ] || md "$base_row"
    [ -z "$varnish_row" ] || md "$varnish_row"
    md "| nginx proxy_cache | - | - | - | - | - | - | - | - | stores bodies in files on disk (page cache) plus a keys_zone entry: not comparable, not measured |" "" \
        "overhead/object = (RSS after - RSS before) / objects - body - key length (key: host:port + path)." \
        "RSS is VmRSS from /proc/PID/status after 64 warm connections and after the fill; Edge's count is /stats entries."
    if [ -n "$base_row" ]; then
        md "" "Edge/baseline (one fill each, not medians): RSS/object **$(ratio "$(memory_field "$edge_row" 6)" "$(memory_field "$base_row" 6)")**," \
            "overhead/object **$(ratio "$(memory_field "$edge_row" 9)" "$(memory_field "$base_row" 9)")**."
    fi
    over=$(memory_field "$edge_row" 9)
    goal "memory: bytes per object beyond body and key (Edge)" "$over" le 512
}
