#!/usr/bin/env bash
# Runs every libFuzzer target of build/fuzz for N seconds each (default 60), starting
# from its checked-in seeds (fuzz/corpus/<target>, read only) plus what earlier runs
# found (build/fuzz/corpus/<target>). A crash stops the run and is left in
# build/fuzz/crashes/<target>/: copy it into fuzz/corpus/<target>/ once fixed, so the
# replay ctest keeps it fixed.
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/fuzz"
status=0
for target in fuzz_http_request fuzz_route fuzz_parsers fuzz_chunked; do
    found="$build/corpus/$target"
    crashes="$build/crashes/$target"
    mkdir -p "$found" "$crashes"
    echo "== $target: ${seconds}s"
    if ! "$build/fuzz/$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
        -artifact_prefix="$crashes/" -print_final_stats=1 \
        "$found" "$root/fuzz/corpus/$target" 2>&1 | tail -n 14; then
        status=1
    fi
done
exit "$status"
