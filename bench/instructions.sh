#!/bin/bash
# Instructions per response of one showcase path, from callgrind: the figure the
# machine's noise does not move (bench/README.md). The counters are zeroed 2 s into an
# 8 s wrk run and dumped 4 s later, while the load is still on, so connection set-up and
# the requests wrk abandons at its end are not counted; responses are counted as the
# calls of write_response in that window.
#
#   bench/instructions.sh [--binary PATH] [--connections N] PATH...
#   e.g. bench/instructions.sh /plaintext /prices '/slow?ms=100'
set -euo pipefail
cd "$(dirname "$0")/.."
binary=build/release/examples/vial_showcase
connections=20
port=18190
while [[ $# -gt 0 && $1 == --* ]]; do
    case $1 in
        --binary) binary=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[[ $# -gt 0 ]] || { echo "usage: $0 [--binary PATH] [--connections N] PATH..." >&2; exit 2; }
for tool in valgrind callgrind_control callgrind_annotate wrk curl; do
    command -v "$tool" >/dev/null || { echo "$tool is needed (Debian: valgrind, wrk, curl)" >&2; exit 1; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for path in "$@"; do
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$binary" run --port "$port" \
        --threads 1 --quiet >/dev/null 2>&1 &
    server=$!
    for _ in $(seq 60); do curl -s "localhost:$port/plaintext" >/dev/null && break; sleep 0.5; done
    wrk -t1 -c"$connections" -d8s "http://127.0.0.1:$port$path" >/dev/null &
    load=$!
    sleep 2
    callgrind_control -z "$server" >/dev/null 2>&1
    sleep 4
    callgrind_control -d "$server" >/dev/null 2>&1
    wait "$load"
    kill -INT "$server"
    wait "$server" 2>/dev/null || true
    total=$(awk '/^(summary|totals):/ {print $2; exit}' "$out/cg.1")
    responses=$(callgrind_annotate --tree=calling --threshold=100 "$out/cg.1" 2>/dev/null |
        grep -E '> .*vial::detail::write_response.*\([0-9,]+x\)' | head -1 |
        sed -E 's/.*\(([0-9,]+)x\).*/\1/' | tr -d ,)
    echo "$path c$connections: $((total / responses)) instructions per response ($responses responses)"
    rm -f "$out"/cg*
    port=$((port + 1))
done
