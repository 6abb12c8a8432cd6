# Shared shell functions for Benchmarks/compare.sh: process bookkeeping, response checks, load
# generator runs and their parsing, medians. Sourced, not run; expects `work` (a scratch folder).
# shellcheck shell=bash disable=SC2154,SC2034  # work, ports and knobs come from compare.sh

log() { echo "$*" >&2; }
die() { echo "compare.sh: $*" >&2; exit 1; }

# True when something already listens on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A process and its direct children (nginx and Varnish keep their workers one level down).
process_tree() { # $1 = pid
    echo "$1"
    pgrep -P "$1" || true
}

# CPU clock ticks used so far by a process tree.
cpu_ticks() { # $1 = pid
    local total=0 pid
    for pid in $(process_tree "$1"); do
        [ -r "/proc/$pid/stat" ] || continue
        # Fields 14 and 15 (utime, stime) counted after the ")" that ends the command name.
        total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
    done
    echo "$total"
}

# Resident set size of a process tree in bytes (VmRSS from /proc/PID/status).
rss_bytes() { # $1 = pid
    local total=0 pid kib
    for pid in $(process_tree "$1"); do
        kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        total=$((total + ${kib:-0} * 1024))
    done
    echo "$total"
}

# Waits until a server started by start_server gives any HTTP answer; dies with its output when it
# exits or stays silent.
wait_up() { # $1 = server name, rest = curl arguments
    local name=$1 _
    shift
    for _ in $(seq 150); do
        curl -sk -o /dev/null --max-time 2 "$@" && return 0
        kill -0 "${PID[$name]}" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$work/logs/$name.log" >&2 || true
    die "$name does not answer: $* (its output above; KEEP_WORK=1 keeps $work)"
}

# Fetches a response until its head matches every check, up to 50 tries (the first request of a
# target stores the object; a compressed variant is made in the background). A check is an
# extended regex for one header line (case-insensitive), "!regex" for a line that must be absent,
# or "size=N" for the body length. Dies with the last head when a check never passes.
expect_response() { # $1 = label, $2 = checks separated by "|", rest = curl arguments
    local label=$1 checks=$2 try ok check size head
    shift 2
    local -a list
    IFS='|' read -ra list <<<"$checks"
    for try in $(seq 50); do
        : >"$work/head"
        size=$(curl -sk --max-time 5 -D "$work/head" -o /dev/null -w '%{size_download}' "$@") || size=0
        head=$(tr -d '\r' <"$work/head" 2>/dev/null || true)
        ok=1
        for check in "${list[@]}"; do
            case $check in
                size=*) [ "$size" = "${check#size=}" ] || ok=0 ;;
                !*) ! grep -qiE "${check#!}" <<<"$head" || ok=0 ;;
                *) grep -qiE "$check" <<<"$head" || ok=0 ;;
            esac
        done
        [ $ok = 1 ] && return 0
        [ "$try" -lt 50 ] && sleep 0.1
    done
    log "FAIL $label: expected [$checks] (body $size bytes) from: curl $*"
    log "$head"
    return 1
}

# Milliseconds from a wrk latency such as 812.00us, 1.03ms, 1.20s.
wrk_ms() { # $1 = value
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}

# MiB from a size such as 512.00KB, 75.20MB, 1.10GB (wrk and h2load count in powers of 1024).
mib() { # $1 = value
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /GB$/) n *= 1024; else if (v ~ /MB$/) n = n; else if (v ~ /KB$/) n /= 1024; else n /= 1048576
        printf "%.1f", n }'
}

# wrk output -> "req_per_s p99_ms mib_per_s errors requests".
parse_wrk() { # stdin = wrk --latency output
    local out rps p99 transfer errors requests
    out=$(cat)
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    transfer=$(awk '/^Transfer\/sec:/ {print $2}' <<<"$out")
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    errors=$(awk '/Socket errors:/ {gsub(",", ""); e += $4 + $6 + $8 + $10} /Non-2xx or 3xx/ {e += $NF} END {print e + 0}' <<<"$out")
    [ -n "$rps" ] || { log "$out"; die "wrk gave no result"; }
    echo "$rps $(wrk_ms "${p99:-0}") $(mib "${transfer:-0}") $errors ${requests:-0}"
}

# h2load output -> "req_per_s - mib_per_s errors requests" (h2load prints no percentiles).
parse_h2load() { # stdin = h2load output
    local out rps transfer errors requests
    out=$(cat)
    rps=$(awk '/^finished in/ {gsub(",", ""); print $4}' <<<"$out")
    transfer=$(awk '/^finished in/ {gsub(",", ""); sub("/s$", "", $6); print $6}' <<<"$out")
    # "requests: T total, S started, D done, OK succeeded, F failed, E errored, X timeout";
    # failed counts errored, timed out and 4xx/5xx requests alike.
    requests=$(awk '/^requests:/ {print $8}' <<<"$out")
    errors=$(awk '/^requests:/ {print $10 + 0}' <<<"$out")
    [ -n "$rps" ] || { log "$out"; die "h2load gave no result"; }
    echo "$rps - $(mib "${transfer:-0}") $errors ${requests:-0}"
}

# Median of numbers (the lower middle one for an even count; "-" when there are none).
median() { # numbers ...
    [ $# = 0 ] && { echo "-"; return; }
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

ratio() { # a b -> a / b with two decimals, "-" when either is missing
    awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b}'
}

# 12345.67 -> "12 346" (thin grouping keeps the tables readable).
group() { # $1 = number
    [ "$1" = "-" ] && { echo "-"; return; }
    awk -v n="$1" 'BEGIN {s = sprintf("%.0f", n); out = ""
        while (length(s) > 3) {out = " " substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3)}
        print s out}'
}
