#!/usr/bin/env bash
# Bytes on the wire per text asset: brotli 11 (Edge's stored br) vs gzip -9 (and zstd 19), as a table.
#
#   Benchmarks/compression-sizes.sh DIR          # every compressible file under DIR
#   MARKDOWN=1 Benchmarks/compression-sizes.sh DIR   # the table in Markdown (for README / COMPRESSION.md)
#
# Files are picked by extension (html css js mjs json svg xml txt wasm ttf otf map md); images, fonts
# already compressed (woff, woff2) and archives are left out, as Edge leaves them out. The levels are
# Edge's defaults for stored variants: br 11, zstd 19, gzip 9; the command-line tools encode with
# the same libraries Edge links (libbrotli, zlib, libzstd).
set -euo pipefail
dir=${1:?usage: compression-sizes.sh DIR}
for tool in brotli gzip zstd; do command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }; done

md=${MARKDOWN:-0}
row() { # name identity gzip br zstd
    local saving
    saving=$(awk -v g="$3" -v b="$4" 'BEGIN { if (g > 0) printf "%.1f%%", (1 - b / g) * 100; else print "-" }')
    if [ "$md" = 1 ]; then
        printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5" "$saving"
    else
        printf '%-44s %10s %10s %10s %10s %9s\n' "$1" "$2" "$3" "$4" "$5" "$saving"
    fi
}
if [ "$md" = 1 ]; then
    echo "| file | identity | gzip -9 | br 11 | zstd 19 | br vs gzip |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
else
    printf '%-44s %10s %10s %10s %10s %9s\n' "file" "identity" "gzip -9" "br 11" "zstd 19" "br saves"
fi
total_i=0; total_g=0; total_b=0; total_z=0
while IFS= read -r -d '' file; do
    i=$(stat -c %s "$file")
    [ "$i" -ge 1024 ] || continue # Edge's default min_size
    g=$(gzip -9 -n -c "$file" | wc -c)
    b=$(brotli -q 11 -c "$file" | wc -c)
    z=$(zstd -19 -q -c "$file" | wc -c)
    total_i=$((total_i + i)); total_g=$((total_g + g)); total_b=$((total_b + b)); total_z=$((total_z + z))
    name=${file#"$dir"/}
    [ ${#name} -gt 44 ] && name="…${name: -43}"
    row "$name" "$i" "$g" "$b" "$z"
done < <(find "$dir" -type f \( -iname '*.html' -o -iname '*.htm' -o -iname '*.css' -o -iname '*.js' -o -iname '*.mjs' \
    -o -iname '*.json' -o -iname '*.svg' -o -iname '*.xml' -o -iname '*.txt' -o -iname '*.wasm' -o -iname '*.ttf' \
    -o -iname '*.otf' -o -iname '*.map' -o -iname '*.md' \) -print0 | sort -z)
row "TOTAL" "$total_i" "$total_g" "$total_b" "$total_z"
