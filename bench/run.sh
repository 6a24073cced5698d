#!/usr/bin/env bash
# make bench: the wrk scenarios (bench/run.py), the async path's costs (bench/async_path.py),
# the HTTP client's (bench/client.py), the database's (bench/db.py), WebSockets and SSE
# (bench/streams.py) and the micro-benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --bench
ulimit -n 20000 2>/dev/null || true
/usr/bin/python3 bench/run.py "$@"
/usr/bin/python3 bench/async_path.py
/usr/bin/python3 bench/client.py
/usr/bin/python3 bench/db.py
/usr/bin/python3 bench/streams.py
if [ -x build/release/bench/vial_micro_bench ]; then
    taskset -c 0 build/release/bench/vial_micro_bench --benchmark_min_time=0.2
fi
