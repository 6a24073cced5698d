#!/usr/bin/python3
"""`make bench-client`: the HTTP client's two benchmarks (issue 8).

1. quotes: the showcase's /quotes?symbols=a,b,c&ms=50 at c100, the front process pinned
   to core 0 calling a second showcase process (its upstream, core 1) over loopback;
   req/s, p99, and the front's CPU per /quotes request against its CPU per /plaintext
   request in the same run (goal: >= 1960 req/s, p99 <= 60 ms, CPU ratio <= 4x).
2. fanout: one client loop keeping 64 GETs in flight to nginx's `return 200` (nginx on
   core 0, the client on core 1): outbound requests per CPU-second of vial::HttpClient,
   Python's httpx.AsyncClient, and wrk (a pure load generator) on the same target
   (goal: >= 10x httpx; at most 3x wrk's CPU per request).
Run with Debian's /usr/bin/python3 (httpx imports there).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (wrk, ports, CPU accounting, nginx config)

ROOT = bench.ROOT
FANOUT = os.path.join(ROOT, "build", "release", "bench", "vial_client_fanout")
UPSTREAM_PORT = bench.PORT + 1

HTTPX_DRIVER = r"""
import asyncio, json, resource, sys, time
import httpx

def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime

async def main(url, concurrency, seconds):
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    counts = {"requests": 0, "errors": 0}
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        before, started = cpu(), time.monotonic()
        deadline = started + seconds
        async def worker():
            while time.monotonic() < deadline:
                try:
                    r = await client.get(url)
                    counts["requests"] += 1
                    if r.status_code != 200:
                        counts["errors"] += 1
                except Exception:
                    counts["errors"] += 1
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        counts["cpu_s"] = cpu() - before
        counts["wall_s"] = time.monotonic() - started
    print(json.dumps(counts))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""


def start(command, core, env=None):
    return subprocess.Popen(["taskset", "-c", str(core)] + command, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)


def front_cpu_per_request(front, path, connections, seconds):
    bench.run_wrk(path, connections, 2)
    pids = bench.process_tree(front.pid)
    before = bench.cpu_seconds(pids)
    result = bench.run_wrk(path, connections, seconds)
    after = bench.cpu_seconds(pids)
    result["cpu_us"] = (after - before) * 1e6 / max(result["requests"], 1)
    return result


def quotes(seconds):
    upstream = start([bench.SHOWCASE, "run", "--port", str(UPSTREAM_PORT), "--threads", "1",
                      "--quiet"], 1)
    env = dict(os.environ, VIAL_QUOTES_UPSTREAM=f"http://127.0.0.1:{UPSTREAM_PORT}")
    front = start(bench.SERVERS["vial"], 0, env)
    try:
        if not (bench.wait_port(UPSTREAM_PORT) and bench.wait_port(bench.PORT)):
            raise RuntimeError("the showcase did not start")
        q = front_cpu_per_request(front, "/quotes?symbols=a,b,c&ms=50", 100, seconds)
        p = front_cpu_per_request(front, "/plaintext", 64, seconds)
    finally:
        bench.stop(front)
        bench.stop(upstream)
    print(f"quotes c100 (3 x 50 ms upstream calls): {q['rps']:.0f} req/s (goal >= 1960), "
          f"p50 {q['p50']:.1f} ms, p99 {q['p99']:.1f} ms (goal <= 60), errors {q['errors']}")
    print(f"  front CPU per request: /quotes {q['cpu_us']:.1f} us, /plaintext {p['cpu_us']:.1f} us "
          f"(ratio {q['cpu_us'] / p['cpu_us']:.2f}x, goal <= 4x; plaintext {p['rps']:.0f} req/s)")


def client_run(command, core):
    out = subprocess.run(["taskset", "-c", str(core)] + command, capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{command[0]} failed: {out.stderr[-500:]}")
    return json.loads(lines[-1])


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fanout(seconds, concurrency=64):
    nginx = start(bench.nginx_command(), 0)
    url = f"http://127.0.0.1:{bench.PORT}/plaintext"
    try:
        if not bench.wait_port(bench.PORT):
            raise RuntimeError("nginx did not start")
        rows = []
        vial = client_run([FANOUT, url, str(concurrency), str(seconds)], 1)
        rows.append(("vial::HttpClient", vial["requests"], vial["errors"], vial["cpu_s"]))
        httpx = client_run(["/usr/bin/python3", "-c", HTTPX_DRIVER, url, str(concurrency),
                            str(seconds)], 1)
        rows.append(("httpx.AsyncClient", httpx["requests"], httpx["errors"], httpx["cpu_s"]))
        # wrk reports no CPU: what the waited-for children used across its run is its own.
        before = children_cpu()
        wrk = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{concurrency}",
                              f"-d{seconds}s", url], capture_output=True, text=True)
        wrk_cpu = children_cpu() - before
        wrk_requests = int(wrk.stdout.split(" requests in")[0].split()[-1])
        rows.append(("wrk", wrk_requests, 0, wrk_cpu))
    finally:
        bench.stop(nginx)
    print(f"client fan-out, {concurrency} in flight to nginx return 200, {seconds} s each:")
    per_request = {}
    for name, requests, errors, cpu in rows:
        per_request[name] = cpu * 1e6 / max(requests, 1)
        print(f"  {name:<18} {requests:>9} requests {errors:>5} errors  {cpu:7.2f} CPU s  "
              f"{requests / cpu:>10.0f} req per CPU-s  {per_request[name]:7.1f} us CPU/req")
    v = per_request["vial::HttpClient"]
    print(f"  vial vs httpx: {per_request['httpx.AsyncClient'] / v:.1f}x fewer CPU per request "
          f"(goal >= 10x); vial vs wrk: {v / per_request['wrk']:.2f}x wrk's CPU per request "
          f"(goal <= 3x)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--scenarios", default="quotes,fanout")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(20000, hard), hard))
    if "quotes" in args.scenarios:
        quotes(args.seconds)
    if "fanout" in args.scenarios:
        fanout(args.seconds)


if __name__ == "__main__":
    sys.exit(main())
