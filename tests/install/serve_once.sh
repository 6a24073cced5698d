#!/usr/bin/env bash
# serve_once.sh APP PATH...: starts `APP run --port 0`, prints each PATH's body (one per
# line), then stops the app by PID. Exit status non-zero when the app did not come up.
set -uo pipefail
app=$1; shift
log=$(mktemp)
"$app" run --host 127.0.0.1 --port 0 >"$log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 100); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -1)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
status=0
if [ -z "$url" ]; then
    echo "serve_once: $app did not start:" >&2; cat "$log" >&2; status=1
else
    for path in "$@"; do curl -s --max-time 10 "$url$path"; echo; done
fi
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
rm -f "$log"
exit $status
