# Targets, load runs and result tables of Benchmarks/compare.sh: a target is one URL on one server
# with the checks its responses must pass; measure runs targets alternately round by round, table
# writes their medians. With EDGE_BASELINE, every Edge target gets a twin on the baseline binary
# (same path, checks and request header, the baseline's own ports) measured right after it in
# every round, and the tables get an Edge/baseline column. Sourced, not run.
# shellcheck shell=bash disable=SC2154,SC2034  # work, ports and knobs come from compare.sh

declare -A T_LABEL T_TOOL T_SERVER T_URL T_CHECKS T_HEADER T_BASE T_FILL SAMPLES
# tool: wrk (HTTP/1.1; an https url is HTTP/1.1 over TLS, wrk offering no ALPN), unique (wrk with a
# new path per request), paced (unique, each connection pausing MISS_PACE_MS after every response:
# the same offered load for every server), random (wrk with one of RANDOM_OBJECTS paths, the url followed by a 6-digit
# number, picked at random per request), h2c or tls (h2load).
# T_FILL[name] (set after target, optional): a server url that a second wrk on core 1 sends a
# stream of misses to while the target is measured (fill_load in Benchmarks/compare/fill.sh).
# A target on server "edge" also defines its baseline twin "<name>-base" when EDGE_BASELINE is set.
target() { # $1 = name, $2 = label, $3 = tool, $4 = server, $5 = url, $6 = checks, $7 = request header
    T_LABEL[$1]=$2; T_TOOL[$1]=$3; T_SERVER[$1]=$4; T_URL[$1]=$5; T_CHECKS[$1]=$6; T_HEADER[$1]=${7:-}
    if [ -n "${EDGE_BASELINE:-}" ] && [ "$4" = edge ]; then
        local url
        url=$(baseline_url "$5")
        T_BASE[$1]=$1-base
        target "$1-base" "$(baseline_label "$2")" "$3" edge-base "$url" "$6" "${7:-}"
    fi
}

# "Edge" -> "Edge (baseline)", "Edge, h2c" -> "Edge (baseline), h2c", "Edge (miss)" -> "Edge (baseline; miss)".
baseline_label() { # $1 = label of an Edge target
    case $1 in
        "Edge ("*) echo "Edge (baseline; ${1#Edge (}" ;;
        *) echo "Edge (baseline)${1#Edge}" ;;
    esac
}

# An Edge URL with the port swapped for the baseline's matching port.
baseline_url() { # $1 = url
    [[ $1 =~ ^([a-z]+://[^/:]+:)([0-9]+)(.*)$ ]] || die "no port in $1"
    local port=${BASH_REMATCH[2]}
    case $port in
        "$EDGE_PORT") port=$BASELINE_PORT ;;
        "$EDGE_H2C_PORT") port=$BASELINE_H2C_PORT ;;
        "$EDGE_TLS_PORT") port=$BASELINE_TLS_PORT ;;
        *) die "not an Edge port: $1" ;;
    esac
    echo "${BASH_REMATCH[1]}$port${BASH_REMATCH[3]}"
}

# The targets, each Edge target followed by its baseline twin (just the targets without EDGE_BASELINE).
with_baseline() { # targets ...
    local t
    for t in "$@"; do
        echo "$t"
        if [ -n "${T_BASE[$t]:-}" ]; then echo "${T_BASE[$t]}"; fi
    done
}

# Checks a target's response; dies when it is not what the run is meant to measure.
check_target() { # $1 = name, $2 = tag (makes the unique path of a miss check new)
    local t=$1 url=${T_URL[$1]} port
    local -a args=()
    [ -n "${T_HEADER[$t]}" ] && args+=(-H "${T_HEADER[$t]}")
    case ${T_TOOL[$t]} in
        wrk) args+=(--http1.1 "$url") ;;
        unique|paced) args+=("$url/u/check-$2-$t-$RANDOM$RANDOM") ;;
        random) args+=("$url$(printf '%06d' $(((RANDOM * 32768 + RANDOM) % RANDOM_OBJECTS)))") ;;
        h2c) args+=(--http2-prior-knowledge "$url") ;;
        tls) port=${url##*:}; port=${port%%/*}; args+=(--http2 --resolve "bench.test:$port:127.0.0.1" "$url") ;;
    esac
    expect_response "${T_LABEL[$t]}" "${T_CHECKS[$t]}" "${args[@]}"
}

# One load run against a target; prints "req/s p99_ms MiB/s errors requests server_cpu_us_per_request".
run_load() { # $1 = name, $2 = connections, $3 = duration, $4 = tag
    local t=$1 conns=$2 duration=$3 url=${T_URL[$1]} pid before after out parsed port fill_pid=""
    pid=${PID[${T_SERVER[$t]}]}
    local -a cmd=()
    case ${T_TOOL[$t]} in
        wrk|unique|paced|random)
            cmd=(wrk -t1 -c"$conns" -d"$duration" --latency)
            [ -n "${T_HEADER[$t]}" ] && cmd+=(-H "${T_HEADER[$t]}")
            case ${T_TOOL[$t]} in
                unique) cmd=(env "UNIQUE_PREFIX=/u/$4-$t/" UNIQUE_LIMIT=0 "${cmd[@]}" -s "$LUA") ;;
                paced) cmd=(env "UNIQUE_PREFIX=/u/$4-$t/" UNIQUE_LIMIT=0 "PACE_MS=$MISS_PACE_MS" "${cmd[@]}" -s "$LUA") ;;
                random) cmd=(env "RANDOM_OBJECTS=$RANDOM_OBJECTS" "${cmd[@]}" -s "$RANDOM_LUA") ;;
            esac
            cmd+=("$url") ;;
        h2c) cmd=(h2load -c"$H2_CLIENTS" -m"$H2_STREAMS" -D "$duration" "$url") ;;
        tls)
            port=${url##*:}; port=${port%%/*}
            cmd=(h2load -c"$H2_CLIENTS" -m"$H2_STREAMS" -D "$duration" --connect-to="127.0.0.1:$port" "$url") ;;
    esac
    if [ -n "${T_FILL[$t]:-}" ]; then
        fill_load "${T_FILL[$t]}" "$duration" "$4-$t" &
        fill_pid=$!
    fi
    before=$(cpu_ticks "$pid")
    out=$(taskset -c 1 "${cmd[@]}" 2>&1)
    after=$(cpu_ticks "$pid")
    if [ -n "$fill_pid" ]; then wait "$fill_pid" || die "the fill load of ${T_LABEL[$t]} failed"; fill_settle; fi
    case ${T_TOOL[$t]} in
        h2c|tls) parsed=$(parse_h2load <<<"$out") ;;
        *) parsed=$(parse_wrk <<<"$out") ;;
    esac
    awk -v p="$parsed" -v ticks="$((after - before))" -v hz="$TICK" 'BEGIN {
        split(p, f, " "); printf "%s %.1f\n", p, (f[5] > 0 ? ticks * 1e6 / hz / f[5] : 0) }'
}

# Warms every target up, then runs ROUNDS rounds of every target in turn, checking each response first.
measure() { # $1 = scenario, $2 = connections, rest = targets (baseline twins added)
    local sc=$1 conns=$2 t round sample targets
    shift 2
    mapfile -t targets < <(with_baseline "$@")
    log "== $sc"
    for t in "${targets[@]}"; do
        check_target "$t" warm || die "$sc: ${T_LABEL[$t]} is not serving what this run measures"
        run_load "$t" "$conns" "$WARMUP" "$sc-warm" >/dev/null
    done
    for round in $(seq "$ROUNDS"); do
        for t in "${targets[@]}"; do
            check_target "$t" "r$round" || die "$sc: ${T_LABEL[$t]} is not serving what this run measures"
            sample=$(run_load "$t" "$conns" "$DURATION" "$sc-r$round")
            SAMPLES[$sc/$t]+="$sample"$'\n'
            log "  round $round ${T_LABEL[$t]}: $sample  (req/s p99ms MiB/s errors requests cpu_us/req)"
        done
    done
}

values() { awk -v i="$3" 'NF {print $i}' <<<"${SAMPLES[$1/$2]}"; }   # scenario, target, field
med() { local v; mapfile -t v < <(values "$@"); median "${v[@]}"; }
total() { values "$@" | awk '{s += $1} END {print s + 0}'; }
RPS=1 P99=2 MIB=3 ERR=4 CPU=6

r() { ratio "$(med "$1" "$2" "$4")" "$(med "$1" "$3" "$4")"; }   # scenario, a, b, field

# With EDGE_BASELINE: one more column, Edge/baseline (req/s, ratio of medians) on each Edge row, and
# a line under the table with the req/s, p99 and CPU/req ratios of each Edge target to its twin.
table() { # $1 = scenario, $2 = heading, rest = targets (baseline twins added)
    local sc=$1 heading=$2 t rounds p99 row targets notes=()
    local head="| target | req/s (median) | rounds | p99 | MiB/s | errors | server CPU µs/req |" rule="| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    shift 2
    mapfile -t targets < <(with_baseline "$@")
    if [ -n "${EDGE_BASELINE:-}" ]; then head+=" Edge/baseline |"; rule+=" ---: |"; fi
    md "" "### $heading" "" "$head" "$rule"
    for t in "${targets[@]}"; do
        rounds=$(values "$sc" "$t" $RPS | while read -r v; do group "$v"; done | paste -sd '/' | sed 's|/| / |g')
        p99=$(med "$sc" "$t" $P99)
        [ "$p99" = "-" ] || p99="$p99 ms"
        row="| ${T_LABEL[$t]} | $(group "$(med "$sc" "$t" $RPS)") | $rounds | $p99 | $(med "$sc" "$t" $MIB) | $(total "$sc" "$t" $ERR) | $(med "$sc" "$t" $CPU) |"
        if [ -n "${T_BASE[$t]:-}" ]; then
            row+=" **$(r "$sc" "$t" "${T_BASE[$t]}" $RPS)** |"
            notes+=("$(baseline_ratios "$sc" "$t")")
        elif [ -n "${EDGE_BASELINE:-}" ]; then
            row+=" - |"
        fi
        md "$row"
    done
    if [ ${#notes[@]} -gt 0 ]; then md "" "Edge/baseline: $(printf '%s; ' "${notes[@]}" | sed 's/; $//')."; fi
}

baseline_ratios() { # $1 = scenario, $2 = Edge target -> "label: req/s, p99 and CPU/req ratios to its twin"
    local sc=$1 t=$2 b=${T_BASE[$2]} p99
    p99=$(r "$sc" "$t" "$b" $P99)
    if [ "$p99" = "-" ]; then p99=""; else p99=" p99 ${p99}×,"; fi
    echo "${T_LABEL[$t]} **$(r "$sc" "$t" "$b" $RPS)** req/s,$p99 CPU/req $(r "$sc" "$t" "$b" $CPU)×"
}
