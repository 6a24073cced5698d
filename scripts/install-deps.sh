#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages vial needs that are missing. Idempotent:
# when everything is present it changes nothing and needs no network.
set -euo pipefail

packages=(
    # build
    cmake g++ make ninja-build clang-format
    # libraries (DESIGN.md section 4)
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev
    # DEBUG's error page: where an exception was thrown
    libboost-stacktrace1.81-dev
    # vial::HttpClient (HTTP/2 through nghttp2, TLS through OpenSSL)
    libcurl4-openssl-dev
    # vial::Database: the embedded backend, and PostgreSQL's client library
    libsqlite3-dev libpq-dev pkg-config
    # tests (and the micro-benchmarks, built with them); nginx serves the client's TLS,
    # HTTP/2 and gzip tests (each test starts its own on a free port, with a
    # certificate made by openssl); curl to try the showcase by hand
    googletest libgtest-dev libbenchmark-dev nginx openssl curl
    # an independent WebSocket client for the server's WebSocket tests; a headless
    # browser for the chat page's test (driven through its DevTools protocol)
    python3-websockets chromium
    # the PostgreSQL server the database tests start (their own cluster, in a temporary
    # directory; Debian's own cluster is not used)
    postgresql-15
)

# `--bench` adds what only `make bench` needs: wrk and the peers it measures (Flask under
# gunicorn, Quart under hypercorn and under uvicorn with uvloop, httpx for the client
# fan-out), liburing-dev for the io_uring build it compares (-DVIAL_IO_URING=ON), and
# valgrind for bench/instructions.sh, and nginx's echo module (bench/async_path.py's c10k
# floor: nginx answering after a timer). Debian's nginx package
# may start a service of its own: nothing here uses it.
# `--fuzz` adds clang and its libFuzzer runtime, for `make fuzz` only.
case "${1:-}" in
    --bench) packages+=(wrk python3-flask python3-asgiref python3-quart gunicorn
                        python3-hypercorn python3-uvicorn python3-uvloop python3-httptools
                        python3-httpx python3-psycopg python3-psycopg-pool liburing-dev
                        valgrind libnginx-mod-http-echo) ;;
    --fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;
esac

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
