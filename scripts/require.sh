#!/usr/bin/env bash
# Makes sure what a command needs is installed, installing what is missing with apt-get.
#
#   scripts/require.sh build    # the C libraries the build links: brotli, zlib, zstd, jemalloc
#   scripts/require.sh test     # the build's, and the tools the tests drive (codecs, openssl, curl, h2load, Chromium)
#   scripts/require.sh bench    # what the benchmarks run beside Edge: nginx, Varnish, wrk, h2load
#
# Each need is checked by the file or command it provides, so a second run installs nothing and
# returns at once. Missing Debian packages are installed with apt-get, directly as root or through
# sudo; where neither works (another distribution, no sudo) it says what to install and fails.
set -euo pipefail

# need: "what is checked|Debian package". A path is checked with -e, anything else as a command.
build=(
    "/usr/include/brotli/encode.h|libbrotli-dev"
    "/usr/include/zlib.h|zlib1g-dev"
    "/usr/include/zstd.h|libzstd-dev"
    "/usr/include/jemalloc/jemalloc.h|libjemalloc-dev"
)
test=(
    "${build[@]}"
    "brotli|brotli" "zstd|zstd" "gzip|gzip" "openssl|openssl" "curl|curl" "h2load|nghttp2-client"
    "chromium|chromium" "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf|fonts-dejavu-core"
    "/etc/ssl/certs/ca-certificates.crt|ca-certificates" "prlimit|util-linux"
)
bench=(
    "nginx|nginx-light" "varnishd|varnish" "wrk|wrk" "h2load|nghttp2-client" "curl|curl" "openssl|openssl"
    "brotli|brotli" "zstd|zstd" "gzip|gzip" "python3|python3" "pgrep|procps" "taskset|util-linux"
)

[ $# -ge 1 ] || { echo "usage: scripts/require.sh build|test|bench" >&2; exit 2; }
case "$1" in
    build) needs=("${build[@]}") ;;
    test) needs=("${test[@]}") ;;
    bench) needs=("${bench[@]}") ;;
    *) echo "scripts/require.sh: unknown group '$1' (build, test or bench)" >&2; exit 2 ;;
esac

missing=()
for need in "${needs[@]}"; do
    what=${need%%|*}
    package=${need##*|}
    if [[ $what == /* ]]; then
        [ -e "$what" ] && continue
    else
        command -v "$what" >/dev/null 2>&1 && continue
    fi
    [[ " ${missing[*]-} " == *" $package "* ]] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "edge needs these (Debian package names; install your system's equivalents): ${missing[*]}" >&2
    exit 1
fi
if [ "$(id -u)" = 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "edge needs these packages and cannot install them without root or sudo:" >&2
    echo "    apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi
echo "installing for '$1': ${missing[*]} (apt-get${as_root:+ via sudo})" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
