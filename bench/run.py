#!/usr/bin/python3
"""`make bench`: wrk scenarios against vial's showcase and its Python peers.

Each server runs pinned to core 0 (`taskset -c 0`), one process (one event loop for
vial), restarted per scenario so peak RSS is per scenario; wrk runs pinned to core 1.
Prints req/s, p50, p99, errors, peak RSS and server CPU microseconds per request, then
vial's ratio to each peer. Run with Debian's /usr/bin/python3 (the peers import there).
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHOWCASE = os.path.join(ROOT, "build", "release", "examples", "vial_showcase")
PORT = 18080
TICKS = os.sysconf("SC_CLK_TCK")

SCENARIOS = {
    "plaintext": ("/plaintext", 64),
    "json": ("/json", 64),
    "prices": ("/prices", 100),
    "slow1k": ("/slow?ms=100", 1000),
}

UVICORN = ["/usr/bin/python3", "-m", "uvicorn", "--loop", "uvloop", "--http", "httptools",
           "--host", "127.0.0.1", "--port", str(PORT), "--backlog", "2048", "--no-access-log",
           "--log-level", "warning"]

SERVERS = {
    "vial": [SHOWCASE, "run", "--port", str(PORT), "--threads", "1", "--quiet"],
    "flask-sync": ["gunicorn", "-w", "1", "-k", "sync", "--backlog", "2048", "--chdir",
                   os.path.join(HERE, "peers"), "-b", f"127.0.0.1:{PORT}", "flask_app:app"],
    "flask-gthread": ["gunicorn", "-w", "1", "-k", "gthread", "--threads", "32", "--backlog", "2048",
                      "--chdir", os.path.join(HERE, "peers"), "-b", f"127.0.0.1:{PORT}", "flask_app:app"],
    "quart": ["hypercorn", "-w", "1", "--backlog", "2048", "-b", f"127.0.0.1:{PORT}",
              "--root-path", "", "quart_app:app"],
    # The fastest deployment a Python team would pick: uvicorn on uvloop with the
    # httptools parser, one process (Debian's python3-uvicorn, -uvloop, -httptools).
    "quart-uvicorn": UVICORN + ["quart_app:app"],
    "flask-uvicorn": UVICORN + ["flask_asgi:app"],
}


NGINX_CONF = f"""{{modules}}worker_processes 1;
daemon off;
master_process off;
error_log /dev/null;
worker_rlimit_nofile {{files}};
pid {{dir}}/nginx.pid;
events {{{{ worker_connections {{connections}}; }}}}
http {{{{
  access_log off;
  client_body_temp_path {{dir}}; proxy_temp_path {{dir}}; fastcgi_temp_path {{dir}};
  uwsgi_temp_path {{dir}}; scgi_temp_path {{dir}};
  server {{{{
    listen 127.0.0.1:{PORT} backlog=4096;
    location = /plaintext {{{{ default_type text/plain; return 200 "Hello, World!"; }}}}
    location = /json {{{{ default_type application/json; return 200 '{{{{"message":"Hello, World!"}}}}'; }}}}
{{locations}}  }}}}
}}}}
"""
# nginx answers only the static scenarios: a reference ceiling, not a framework peer.
NGINX_SCENARIOS = {"plaintext", "json"}


def nginx_command(connections=4096, modules="", locations=""):
    """nginx on PORT, one worker, its files in a new temporary folder: `modules` are
    load_module lines, `locations` extra location blocks (bench/async_path.py's floor)."""
    import tempfile
    folder = tempfile.mkdtemp(prefix="vial-bench-nginx-")
    conf = os.path.join(folder, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(dir=folder, connections=connections, files=2 * connections + 100,
                                  modules=modules, locations=locations))
    return ["nginx", "-c", conf, "-p", folder]


def wait_port(port, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def process_tree(pid):
    pids, frontier = {pid}, [pid]
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in pids:
                pids.add(child)
                frontier.append(child)
    return pids


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            pass
    return total / TICKS


def rss_kib(pid):
    """A process's resident memory now (VmRSS), in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def peak_rss_mib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(path, connections, seconds, port=PORT, script=None):
    """wrk on core 1; `script` a wrk Lua script (e.g. bench/pipeline.lua)."""
    url = f"http://127.0.0.1:{port}{path}"
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
           "--timeout", "5s"] + (["-s", script] if script else []) + [url]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    result = {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "errors": 0, "requests": 0}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", out):
        result["rps"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in", out):
        result["requests"] = int(m.group(1))
    if m := re.search(r"\s50%\s+(\S+)", out):
        result["p50"] = to_ms(m.group(1))
    if m := re.search(r"\s99%\s+(\S+)", out):
        result["p99"] = to_ms(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        result["errors"] += sum(int(x) for x in m.groups())
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        result["errors"] += int(m.group(1))
    return result


def stop(proc):
    """Terminates a server (killed after 15 s) and lets its port settle."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    time.sleep(0.5)


def measure(server, scenario, seconds, warmup):
    path, connections = SCENARIOS[scenario]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    command = nginx_command() if server == "nginx" else SERVERS[server]
    proc = subprocess.Popen(["taskset", "-c", "0"] + command, cwd=os.path.join(HERE, "peers"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        if not wait_port(PORT):
            raise RuntimeError(f"{server} did not start")
        run_wrk(path, connections, warmup)
        pids = process_tree(proc.pid)
        cpu_before = cpu_seconds(pids)
        result = run_wrk(path, connections, seconds)
        cpu_after = cpu_seconds(pids)
        result["rss"] = peak_rss_mib(pids)
        done = max(result["requests"], 1)
        result["cpu_us"] = (cpu_after - cpu_before) * 1e6 / done if result["requests"] else float("nan")
        return result
    finally:
        stop(proc)
        if server == "nginx":
            shutil.rmtree(os.path.dirname(command[2]), ignore_errors=True)


def vial_only(extra_env, fn):
    env = dict(os.environ, **extra_env)
    proc = subprocess.Popen(["taskset", "-c", "0"] + SERVERS["vial"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    try:
        if not wait_port(PORT):
            raise RuntimeError("vial did not start")
        return fn()
    finally:
        stop(proc)


def offload_mix(seconds):
    """Plaintext p99 alone, then with 50 concurrent /offload?ms=20 requests."""
    def run():
        run_wrk("/plaintext", 64, 2)
        alone = run_wrk("/plaintext", 64, seconds)
        background = subprocess.Popen(["taskset", "-c", "1", "wrk", "-t1", "-c50", f"-d{seconds + 2}s",
                                       f"http://127.0.0.1:{PORT}/offload?ms=20"], stdout=subprocess.DEVNULL)
        time.sleep(1)
        mixed = run_wrk("/plaintext", 64, seconds)
        background.wait()
        return alone, mixed
    alone, mixed = vial_only({}, run)
    print(f"\noffload mix (vial): plaintext p99 alone {alone['p99']:.2f} ms, with 50 x /offload?ms=20 "
          f"{mixed['p99']:.2f} ms (ratio {mixed['p99'] / alone['p99']:.2f}x, goal <= 1.5x); "
          f"req/s {alone['rps']:.0f} -> {mixed['rps']:.0f}")


def watchdog_cost(seconds, rounds=3):
    """Plaintext req/s with the stall watchdog off and on, alternating, medians."""
    off, on = [], []
    for _ in range(rounds):
        off.append(vial_only({"VIAL_STALL_THRESHOLD_MS": "0"}, lambda: run_wrk("/plaintext", 64, seconds))["rps"])
        on.append(vial_only({}, lambda: run_wrk("/plaintext", 64, seconds))["rps"])
    off.sort()
    on.sort()
    m_off, m_on = off[len(off) // 2], on[len(on) // 2]
    print(f"watchdog cost (vial plaintext, median of {rounds}): off {m_off:.0f} req/s, on {m_on:.0f} req/s "
          f"({(m_on - m_off) / m_off * 100:+.1f}%)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--servers", default=",".join(list(SERVERS) + ["nginx"]))
    parser.add_argument("--scenarios", default=",".join(list(SCENARIOS) + ["offload", "watchdog"]))
    args = parser.parse_args()

    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(20000, hard), hard))

    servers = args.servers.split(",")
    scenarios = args.scenarios.split(",")
    results = {}
    print(f"{'scenario':<10} {'server':<14} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'RSS MiB':>8} {'CPU us/req':>10}", flush=True)
    extras = [s for s in scenarios if s in ("offload", "watchdog")]
    scenarios = [s for s in scenarios if s in SCENARIOS]
    for scenario in scenarios:
        for server in servers:
            if server == "nginx" and scenario not in NGINX_SCENARIOS:
                continue
            r = measure(server, scenario, args.seconds, args.warmup)
            results[(scenario, server)] = r
            print(f"{scenario:<10} {server:<14} {r['rps']:>10.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
                  f"{r['errors']:>7} {r['rss']:>8.1f} {r['cpu_us']:>10.2f}", flush=True)
    if "vial" in servers:
        print("\nvial's throughput ratio to each peer (same run):")
        for scenario in scenarios:
            base = results[(scenario, "vial")]["rps"]
            ratios = [f"{s} {base / results[(scenario, s)]['rps']:.2f}x" for s in servers
                      if s != "vial" and (scenario, s) in results and results[(scenario, s)]["rps"] > 0]
            print(f"  {scenario:<10} " + ", ".join(ratios))
    if "offload" in extras:
        offload_mix(args.seconds)
    if "watchdog" in extras:
        watchdog_cost(max(3, args.seconds // 2))


if __name__ == "__main__":
    sys.exit(main())
