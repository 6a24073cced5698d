#!/usr/bin/python3
"""The async path's costs against the sync path's, on one showcase process (one loop).

Scenarios (all by default; `--scenarios ratio,waiting` picks some):
  ratio    server CPU per request of /prices (gather over three 50 ms timers + JSON,
           c100) divided by /plaintext's (c64); rounds alternate, the median is kept.
  c10k     /slow?ms=100 at 10,000 connections: CPU per request against /plaintext c64's
           (same rounds), p99 and req/s, and how busy wrk's own core was. When Debian's
           nginx echo module is installed (libnginx-mod-http-echo, `--bench`), nginx runs
           the same rounds as the floor: `return 200` at c64, `echo_sleep 0.1` at c10000.
  waiting  RSS growth per request with 10,000 requests suspended at once
           (GET /slow?ms=30000 on 10,000 sockets), bytes per waiting request.
  idle     RSS growth per connection with 10,000 idle keep-alive connections (each has
           had one /plaintext answered and stays open), opened at once and in ten
           batches 1.6 s apart (each parked before the next arrives).

Server `taskset -c 0`, wrk `taskset -c 1`; CPU = the server's task-clock during the measured
run (`perf stat`; without perf, utime + stime as bench/run.py) / requests completed. Run with Debian's
/usr/bin/python3:  /usr/bin/python3 bench/async_path.py [--binary PATH] [--rounds 3]
"""
import argparse
import os
import resource
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import (PORT, SHOWCASE, cpu_seconds, nginx_command, rss_kib, run_wrk, stop,  # noqa: E402
                 wait_port)

SOCKETS = 10_000


def start(binary):
    proc = subprocess.Popen(["taskset", "-c", "0", binary, "run", "--port", str(PORT),
                             "--threads", "1", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_port(PORT):
        stop(proc)
        raise RuntimeError(f"{binary} did not start")
    return proc


def cpu_per_request(proc, path, connections, seconds, port=PORT, script=None):
    """Server CPU µs per request over one wrk run: `perf stat -e task-clock` when perf is
    installed (nanosecond resolution), else utime + stime from /proc (10 ms ticks: coarse
    at /prices's load, where the server is ~8% busy)."""
    perf = None
    if shutil.which("perf"):
        out = tempfile.NamedTemporaryFile(prefix="vial-perf-", delete=False).name
        perf = subprocess.Popen(["perf", "stat", "-e", "task-clock", "-x,", "-o", out,
                                 "-p", str(proc.pid)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.1)
    before = cpu_seconds([proc.pid])
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = run_wrk(path, connections, seconds, port, script)
    wall = time.monotonic() - started
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = cpu_seconds([proc.pid])
    # wrk's own core: near 100% means the client, not the server, sets the pace (and p99).
    result["client_busy"] = ((client_after.ru_utime - client_before.ru_utime)
                             + (client_after.ru_stime - client_before.ru_stime)) / wall
    cpu = after - before
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait()
        with open(out) as f:
            for line in f:
                fields = line.split(",")
                if len(fields) > 2 and fields[2].startswith("task-clock") and fields[0]:
                    cpu = float(fields[0]) / 1000.0  # msec -> s
        os.unlink(out)
    result["cpu_us"] = cpu * 1e6 / max(result["requests"], 1)
    return result


def open_sockets(count, request, read_answer):
    """`count` connections to the server, each having sent `request`; when `read_answer`,
    each has also received its whole answer (a Content-Length body). Paced in batches so
    the listen backlog never overflows."""
    selector = selectors.DefaultSelector()
    sockets = []
    for begin in range(0, count, 500):
        batch = []
        for _ in range(min(500, count - begin)):
            s = socket.create_connection(("127.0.0.1", PORT))
            s.sendall(request)
            batch.append(s)
        sockets += batch
        if read_answer:
            for s in batch:
                s.setblocking(False)
                selector.register(s, selectors.EVENT_READ, bytearray())
            pending = len(batch)
            while pending:
                for key, _ in selector.select(timeout=10):
                    data = key.fileobj.recv(65536)
                    key.data.extend(data)
                    head, sep, body = bytes(key.data).partition(b"\r\n\r\n")
                    length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:")]
                    if not data or (sep and length and len(body) >= length[0]):
                        selector.unregister(key.fileobj)
                        pending -= 1
    return sockets


def memory_per_socket(binary, request, read_answer, batches=1, pause=3.0):
    """RSS growth per socket once SOCKETS are open, opened in `batches` equal batches
    with `pause` seconds after each (every request read, its view suspended, an idle
    connection parked)."""
    proc = start(binary)
    try:
        run_wrk("/plaintext", 64, 1)  # the loop's own buffers and caches, warmed
        time.sleep(0.5)
        before = rss_kib(proc.pid)
        sockets = []
        for _ in range(batches):
            sockets += open_sockets(SOCKETS // batches, request, read_answer)
            time.sleep(pause)
        after = rss_kib(proc.pid)
        for s in sockets:
            s.close()
        return {"before_kib": before, "after_kib": after,
                "bytes_each": (after - before) * 1024 / len(sockets)}
    finally:
        stop(proc)


def ratio_rounds(binary, rounds, seconds, slow_too):
    proc = start(binary)
    rows = []
    try:
        run_wrk("/plaintext", 64, 2)
        run_wrk("/prices", 100, 2)
        for _ in range(rounds):
            row = {"plaintext": cpu_per_request(proc, "/plaintext", 64, seconds),
                   "prices": cpu_per_request(proc, "/prices", 100, seconds)}
            if slow_too:
                row["slow"] = cpu_per_request(proc, "/slow?ms=100", SOCKETS, seconds)
            rows.append(row)
    finally:
        stop(proc)
    return rows


ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so"


def nginx_floor_rounds(rounds, seconds):
    """nginx's own cost of the c10k scenario: a timer per request at 10,000 connections
    against its `return 200` at c64, in the same rounds as vial's."""
    command = nginx_command(connections=SOCKETS + 1000, modules=f"load_module {ECHO_MODULE};\n",
                            locations="    location = /slow { default_type text/plain; "
                                      "echo_sleep 0.1; echo \"slept\"; }\n")
    proc = subprocess.Popen(["taskset", "-c", "0"] + command,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        if not wait_port(PORT):
            raise RuntimeError("nginx did not start")
        run_wrk("/plaintext", 64, 2)
        for _ in range(rounds):
            rows.append({"plaintext": cpu_per_request(proc, "/plaintext", 64, seconds),
                         "slow": cpu_per_request(proc, "/slow", SOCKETS, seconds)})
    finally:
        stop(proc)
        shutil.rmtree(os.path.dirname(command[2]), ignore_errors=True)
    return rows


def report_c10k(label, rows):
    print(f"{label} slow c10000: {median(rows, 'slow', 'cpu_us'):.2f} µs/req, "
          f"{median(rows, 'slow', 'rps'):.0f} req/s, p99 {median(rows, 'slow', 'p99'):.1f} ms, "
          f"errors {max(r['slow']['errors'] for r in rows)}, wrk's core "
          f"{100 * median(rows, 'slow', 'client_busy'):.0f}% busy; ratio to its plaintext c64 "
          f"{statistics.median(r['slow']['cpu_us'] / r['plaintext']['cpu_us'] for r in rows):.2f}x "
          "(target <= 1.5x, p99 <= 120 ms)")


def median(rows, key, field):
    return statistics.median(r[key][field] for r in rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=SHOWCASE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--scenarios", default="ratio,c10k,waiting,idle")
    args = parser.parse_args()
    wanted = set(args.scenarios.split(","))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 3 * SOCKETS), hard))

    print(f"binary: {args.binary}")
    if wanted & {"ratio", "c10k"}:
        rows = ratio_rounds(args.binary, args.rounds, args.seconds, "c10k" in wanted)
        plain = median(rows, "plaintext", "cpu_us")
        prices = median(rows, "prices", "cpu_us")
        print(f"plaintext c64: {plain:.2f} µs/req (rounds: "
              + ", ".join(f"{r['plaintext']['cpu_us']:.2f}" for r in rows) + ")")
        print(f"prices c100:   {prices:.2f} µs/req, {median(rows, 'prices', 'rps'):.0f} req/s; "
              f"ratio to plaintext {statistics.median(r['prices']['cpu_us'] / r['plaintext']['cpu_us'] for r in rows):.2f}x (target <= 3x)")
        if "c10k" in wanted:
            report_c10k("vial", rows)
            if os.path.exists(ECHO_MODULE) and shutil.which("nginx"):
                floor = nginx_floor_rounds(args.rounds, args.seconds)
                print(f"nginx plaintext c64: {median(floor, 'plaintext', 'cpu_us'):.2f} µs/req")
                report_c10k("nginx (echo_sleep 0.1)", floor)
                print("vial / nginx: plaintext "
                      f"{statistics.median(a['plaintext']['cpu_us'] / b['plaintext']['cpu_us'] for a, b in zip(rows, floor)):.2f}x, "
                      f"slow c10000 {statistics.median(a['slow']['cpu_us'] / b['slow']['cpu_us'] for a, b in zip(rows, floor)):.2f}x")
            else:
                print("(no nginx echo module: install libnginx-mod-http-echo for the floor)")
    if "waiting" in wanted:
        m = memory_per_socket(args.binary, b"GET /slow?ms=30000 HTTP/1.1\r\nHost: b\r\n\r\n", False)
        print(f"waiting: {SOCKETS} requests suspended: RSS {m['before_kib']} -> {m['after_kib']} KiB, "
              f"{m['bytes_each']:.0f} bytes each (target <= 2048)")
    if "idle" in wanted:
        # All at once, then as a server accumulates them: ten batches 1.6 s apart, each
        # parked (kParkAfter, 1 s) before the next arrives. The first figure includes the
        # burst's high-water mark (malloc keeps the freed frames), the second is the
        # steady cost of a parked connection.
        request = b"GET /plaintext HTTP/1.1\r\nHost: b\r\n\r\n"
        for label, batches, pause in (("at once", 1, 3.0), ("in 10 batches", 10, 1.6)):
            m = memory_per_socket(args.binary, request, True, batches, pause)
            print(f"idle: {SOCKETS} keep-alive connections opened {label}: RSS {m['before_kib']} -> "
                  f"{m['after_kib']} KiB, {m['bytes_each']:.0f} bytes each (target <= 1536)")


if __name__ == "__main__":
    main()
