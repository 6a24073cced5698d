#!/usr/bin/env bash
# Build-time figures (issue #10, point 8): how heavy <vial/vial.hpp> is, and how long an
# edit-and-rebuild takes for the hello example and for a 230-line file of 11 routes
# (bench/build_time/routes.cpp), without and with the precompiled header.
# Usage: bash bench/build_time.sh [runs]   (after `make build`; medians of `runs`, default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build/release
RUNS=${1:-5}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Seconds for ninja to rebuild and relink `target` after `file` is touched.
rebuild_time() {
    local target=$1 file=$2
    ninja -C "$BUILD" "$target" >/dev/null
    for _ in $(seq "$RUNS"); do
        touch "$file"
        local start end
        start=$(date +%s.%N)
        ninja -C "$BUILD" "$target" >/dev/null
        end=$(date +%s.%N)
        awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f\n", b - a }'
    done | median
}

lines=$(g++ -std=c++20 -E -I include -I "$BUILD/include" -DBOOST_ASIO_SEPARATE_COMPILATION \
    examples/01_hello/hello.cpp | wc -l)
echo "commit $(git rev-parse --short HEAD), $(g++ --version | head -1)"
echo "preprocessed lines, examples/01_hello/hello.cpp: $lines"
echo "rebuild after an edit, median of $RUNS (seconds):"
echo "  examples/01_hello (precompiled header):  $(rebuild_time examples/vial_hello examples/01_hello/hello.cpp)"
echo "  11-route file, no precompiled header:    $(rebuild_time bench/vial_build_time_routes bench/build_time/routes.cpp)"
echo "  11-route file, precompiled header:       $(rebuild_time bench/vial_build_time_routes_pch bench/build_time/routes.cpp)"
