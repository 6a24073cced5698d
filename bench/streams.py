#!/usr/bin/python3
"""`make bench` (issue 11): WebSockets and Server-Sent Events.

The server runs on core 0 (one loop for vial; one hypercorn worker for Quart), the load
generator (build/release/bench/vial_stream_clients, C++ on Asio/Beast, so the client is not
the limit) on core 1.

- idle: 10,000 idle WebSockets on one loop; the server's RSS growth per socket.
- echo: 100 sockets each sending a 64-byte message and awaiting its echo, for N s;
  messages/s and server CPU per message, vial beside Quart + hypercorn (goal >= 20x).
- sse: 10,000 subscribers of /events (one event a second) for N s; events received of
  those due (a server that falls behind delivers fewer), and server CPU per event.
Run with Debian's /usr/bin/python3.
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (ports, CPU accounting, stop)

CLIENTS = os.path.join(bench.ROOT, "build", "release", "bench", "vial_stream_clients")


def start(server):
    command = bench.SERVERS[server]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen(["taskset", "-c", "0"] + command, cwd=os.path.join(bench.HERE, "peers"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    if not bench.wait_port(bench.PORT):
        bench.stop(proc)
        raise RuntimeError(f"{server} did not start")
    time.sleep(0.5)
    return proc


def clients(mode, count, seconds):
    """Starts the load generator; returns it once every connection is up."""
    proc = subprocess.Popen(["taskset", "-c", "1", CLIENTS, mode, str(bench.PORT), str(count),
                             str(seconds)], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("ready"):
        raise RuntimeError(f"{mode}: clients did not connect ({line!r})")
    return proc


def finish(proc):
    out = proc.stdout.read()
    proc.wait()
    return json.loads(out.strip().splitlines()[-1])


def idle(count):
    proc = start("vial")
    try:
        pid = proc.pid
        before = bench.rss_kib(pid)
        load = clients("ws-idle", count, 3)
        time.sleep(1)
        after = bench.rss_kib(pid)
        result = finish(load)
        return {"sockets": result["connected"], "failed": result["failed"],
                "rss_before_mib": before / 1024, "rss_after_mib": after / 1024,
                "bytes_per_socket": (after - before) * 1024 / max(result["connected"], 1)}
    finally:
        bench.stop(proc)


def echo(server, seconds):
    proc = start(server)
    try:
        pids = bench.process_tree(proc.pid)
        load = clients("ws-echo", 100, seconds)
        cpu_before = bench.cpu_seconds(pids)
        result = finish(load)
        cpu = bench.cpu_seconds(pids) - cpu_before
        messages = max(result["messages"], 1)
        return {"messages_per_s": result["messages"] / result["elapsed_s"],
                "cpu_us_per_message": cpu * 1e6 / messages, "failed": result["failed"]}
    finally:
        bench.stop(proc)


def sse(count, seconds):
    proc = start("vial")
    try:
        pids = bench.process_tree(proc.pid)
        load = clients("sse", count, seconds)
        cpu_before = bench.cpu_seconds(pids)
        result = finish(load)
        cpu = bench.cpu_seconds(pids) - cpu_before
        due = result["connected"] * seconds  # one event a second each, over the window
        return {"subscribers": result["connected"], "events": result["events"], "due": round(due),
                "delivered": result["events"] / due,
                "cpu_us_per_event": cpu * 1e6 / max(result["events"], 1),
                "rss_mib": bench.rss_kib(proc.pid) / 1024}
    finally:
        bench.stop(proc)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--sockets", type=int, default=10000)
    args = parser.parse_args()
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass
    print(f"idle WebSockets ({args.sockets}, one loop):", json.dumps(idle(args.sockets)))
    results = {name: echo(name, args.seconds) for name in ("vial", "quart")}
    for name, r in results.items():
        print(f"echo 64 B x 100 sockets, {name}:", json.dumps(r))
    ratio = results["vial"]["messages_per_s"] / max(results["quart"]["messages_per_s"], 1e-9)
    print(f"echo messages/s vial / quart: {ratio:.1f}x (goal >= 20x)")
    print(f"SSE ({args.sockets} subscribers, {args.seconds} s):",
          json.dumps(sse(args.sockets, args.seconds)))


if __name__ == "__main__":
    main()
