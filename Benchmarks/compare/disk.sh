# The disk scenarios of Benchmarks/compare.sh (disk-16k, disk-1m): hits on objects that live mostly
# on disk. A working set many times Edge's memory tier (DISK_MEMORY) is asked for once through every
# server (stored), a second time (each answer checked to be a hit), then measured with every request
# for an object picked uniformly at random. Next to Edge (memory tier + [cache.disk]): nginx
# proxy_cache (one file per object, read through the page cache; sendfile off as everywhere in
# compare.sh, and on) and Varnish with file storage (-s file: an mmapped file, not persistent).
# The page cache holds every server's files, so these are hits from disk files through the page
# cache, not from the device, for all alike. Sourced, not run; uses compare.sh's helpers.
# shellcheck shell=bash disable=SC2154,SC2034,SC2153  # work, ports and knobs come from compare.sh

DISK_MEMORY=${DISK_MEMORY:-8MiB}
DISK_OBJECTS_16K=${DISK_OBJECTS_16K:-20000}
DISK_OBJECTS_1M=${DISK_OBJECTS_1M:-400}
DISK_SIZE=2GiB                   # Edge's disk tier, nginx's max_size and Varnish's file: no eviction

wants_disk() { wants disk-16k || wants disk-1m; }

# The wrk script of the "random" tool (Benchmarks/compare/runs.sh) at RANDOM_LUA.
write_random_lua() {
    RANDOM_LUA=$work/random.lua
    cat >"$RANDOM_LUA" <<'LUA'
-- wrk script of Benchmarks/compare/disk.sh: every request asks for one of RANDOM_OBJECTS objects
-- picked uniformly at random, the path given to wrk followed by the object's 6-digit number.
local count = tonumber(os.getenv("RANDOM_OBJECTS"))
math.randomseed(os.time())
request = function()
   return wrk.format(nil, string.format("%s%06d", wrk.path, math.random(0, count - 1)))
end
LUA
}

# Edge with a small memory tier in front of its disk tier, Varnish with file storage. (nginx's disk
# cache lives in the proxy process of the other scenarios: start_nginx_proxy.)
start_disk_servers() {
    write_random_lua
    EDGE_CONF_MEMORY=$DISK_MEMORY EDGE_CONF_CACHE="max_object_size = \"2MiB\"
[cache.disk]
path = \"$work/edge-disk\"
size = \"$DISK_SIZE\"
max_object_size = \"16MiB\"" start_edge edge-disk "$EDGE" "$EDGE_DISK_PORT" "$EDGE_DISK_ADMIN_PORT"
    start_varnish varnish-disk "$VARNISH_DISK_PORT" "file,$work/varnish-disk.bin,${DISK_SIZE%iB}"
}

# Edge's /stats -> "requests misses disk.hits disk.objects disk.writes disk.rejected_writes
# disk.shed_writes disk.errors disk.corrupt_records".
edge_disk_stats() { # $1 = admin port (default: the disk scenarios' Edge)
    curl -s --max-time 5 "http://127.0.0.1:${1:-$EDGE_DISK_ADMIN_PORT}/stats" | python3 -c 'import json, sys
s = json.load(sys.stdin); d = s["disk"]
print(s["requests"], s["misses"], *(d[k] for k in ("hits", "objects", "writes", "rejected_writes", "shed_writes", "errors", "corrupt_records")))'
}
# Writes done, turned away or shed so far: each write asked for is one of these in the end.
edge_disk_writes() { edge_disk_stats "${1:-}" | awk '{print $5 + $6 + $7}'; }

origin_disk_requests() { wc -l <"$work/logs/origin-disk.log" 2>/dev/null || echo 0; }

# Asks for objects 0 .. n-1 under a base URL once each, in order over one connection (curl -K);
# prints "answers, answers of status 200 with the full body, of those the ones whose header $3
# (its value) matches $4" (an extended regex, lower case).
disk_pass() { # $1 = base url, $2 = objects, $3 = header name, $4 = regex, $5 = body size
    awk -v base="$1" -v n="$2" 'BEGIN {for (i = 0; i < n; i++) printf "url = \"%s%06d\"\noutput = \"/dev/null\"\n", base, i}' \
        >"$work/disk-urls"
    curl -s -K "$work/disk-urls" -w "%{http_code} %{size_download} %header{$3}\n" |
        awk -v size="$5" -v re="$4" '$1 == 200 && $2 == size {
            ok++; value = tolower($0); sub(/^[^ ]* [^ ]* ?/, "", value); if (value ~ re) hit++ } END {print NR, ok + 0, hit + 0}'
}

# Stores every object through one server and asks for each again; appends a row to DISK_FILL_ROWS.
disk_fill() { # $1 = label, $2 = base url, $3 = objects, $4 = size, $5 = header, $6 = hit regex, $7 = Edge's admin port
    local label=$1 url=$2 n=$3 size=$4 admin=${7:-} start first second waited=0 before
    log "  filling $label: $n objects of $size bytes"
    start=$SECONDS
    [ "$label" != Edge ] || before=$(edge_disk_writes "$admin")
    first=$(disk_pass "$url" "$n" "$5" "$6" "$size")
    if [ "$label" = Edge ]; then
        # Writes to disk happen in the background: wait until every one is done (or turned away).
        while [ $(($(edge_disk_writes "$admin") - before)) -lt "$n" ] && [ $waited -lt 600 ]; do
            sleep 0.1; waited=$((waited + 1))
        done
    fi
    second=$(disk_pass "$url" "$n" "$5" "$6" "$size")
    read -r _ first_ok first_hits <<<"$first"
    read -r _ second_ok second_hits <<<"$second"
    [ "$second_hits" = "$n" ] || log "WARNING: $label: $second_hits of $n second requests were hits ($second_ok full 200s)"
    DISK_FILL_ROWS+=("| $label | $n | $first_ok | $first_hits | **$second_hits** | $((SECONDS - start)) s |")
}

disk_scenario() { # $1 = scenario, $2 = fixture (16k|1m), $3 = body bytes, $4 = objects
    local sc=$1 path=/d$2/ size=$3 n=$4 ok="^HTTP/1.1 200|size=$3" s0 s1 origin0 mib
    RANDOM_OBJECTS=$n
    mib=$(awk -v n="$n" -v s="$size" 'BEGIN {printf "%.0f", n * s / 1048576}')
    log "== $sc: $n objects of $size bytes ($mib MiB)"
    DISK_FILL_ROWS=()
    disk_fill Edge "http://127.0.0.1:$EDGE_DISK_PORT$path" "$n" "$size" cache-status "^edge; hit"
    disk_fill "nginx proxy_cache" "http://127.0.0.1:$NGINX_PORT$path" "$n" "$size" x-cache-status "^hit$"
    disk_fill "Varnish (file)" "http://127.0.0.1:$VARNISH_DISK_PORT$path" "$n" "$size" x-varnish "^[0-9]+ [0-9]+$"
    s0=$(edge_disk_stats)

    target edge-disk "Edge (memory $DISK_MEMORY + disk)" random edge-disk "http://127.0.0.1:$EDGE_DISK_PORT$path" \
        "$ok|^cache-status: edge; hit"
    target nginx-disk "nginx proxy_cache" random nginx "http://127.0.0.1:$NGINX_PORT$path" "$ok|^x-cache-status: HIT"
    target nginx-disk-sf "nginx proxy_cache, sendfile on" random nginx "http://127.0.0.1:$NGINX_SENDFILE_PORT$path" \
        "$ok|^x-cache-status: HIT"
    target varnish-disk "Varnish, -s file" random varnish-disk "http://127.0.0.1:$VARNISH_DISK_PORT$path" \
        "$ok|^x-varnish: [0-9]+ [0-9]+$|^age: "
    origin0=$(origin_disk_requests)
    measure "$sc" 64 edge-disk nginx-disk nginx-disk-sf varnish-disk
    s1=$(edge_disk_stats)

    md "" "### Hits from disk: $n objects of $size bytes ($mib MiB), one picked at random per request, 64 connections" "" \
        "Edge: \`memory_size = \"$DISK_MEMORY\"\`, \`max_object_size = \"2MiB\"\`, \`[cache.disk] size = \"$DISK_SIZE\"\`;" \
        "nginx: \`proxy_cache_path ... keys_zone=disk:16m max_size=2g\`; Varnish: \`-s file,...,${DISK_SIZE%iB}\`." \
        "Fill: each object asked for once (stored), then once more (checked to be a hit), in order, one connection:" "" \
        "| server | objects | first pass: 200, full body | first pass: hits | second pass: hits | fill time |" \
        "| --- | ---: | ---: | ---: | ---: | ---: |" "${DISK_FILL_ROWS[@]}"
    table "$sc" "Hits from disk, $2 objects: wrk -t1 -c64, random object per request" edge-disk nginx-disk nginx-disk-sf varnish-disk
    md "" "Edge/nginx: **$(r "$sc" edge-disk nginx-disk $RPS)** req/s, $(r "$sc" edge-disk nginx-disk $MIB) MiB/s," \
        "p99 $(r "$sc" edge-disk nginx-disk $P99)×, CPU/req $(r "$sc" edge-disk nginx-disk $CPU)×;" \
        "Edge/nginx sendfile on: **$(r "$sc" edge-disk nginx-disk-sf $RPS)** req/s, CPU/req $(r "$sc" edge-disk nginx-disk-sf $CPU)×;" \
        "Edge/Varnish file: **$(r "$sc" edge-disk varnish-disk $RPS)** req/s, CPU/req $(r "$sc" edge-disk varnish-disk $CPU)×." ""
    md "$(awk -v a="$s0" -v b="$s1" -v o="$(($(origin_disk_requests) - origin0))" 'BEGIN {
        split(a, x, " "); split(b, y, " "); req = y[1] - x[1]
        printf "During the measured runs (warm-ups included) Edge answered %d requests, %.1f%% of them from disk (%d disk hits), %d misses;", req, (req > 0 ? 100 * (y[3] - x[3]) / req : 0), y[3] - x[3], y[2] - x[2]
        printf " on disk %d records, %d writes turned away, %d shed, %d errors, %d corrupt. Requests reaching the origin during the runs (all servers): %d.", y[4], y[6], y[7], y[8], y[9], o }')"
}

scenario_disk_16k() { disk_scenario disk-16k 16k 16384 "$DISK_OBJECTS_16K"; }
scenario_disk_1m() { disk_scenario disk-1m 1m 1048576 "$DISK_OBJECTS_1M"; }
