#!/usr/bin/python3
"""The hardening issue's memory attacks, replayed against the showcase: RSS with
the framework's ceilings in place. Not a test (nothing is asserted): figures for
bench/RESULTS.md.

1. slow readers: fill /api/items (10000 x 4 KiB), then N clients ask for the list and
   never read (SO_RCVBUF 4 KiB). Before pagination and the buffered-bytes budget, 50 such
   clients took the showcase to 5.3 GB.
2. stalled bodies: N clients each send a 1 MiB Content-Length, 1 MiB - 2 bytes of body,
   and stall. Before the budget, 1000 of them held 1.05 GB for 30 s.

Usage: /usr/bin/python3 bench/hostile.py [--readers 50,230] [--bodies 1000]
Prints the server's VmRSS (and VmHWM) after each phase.
"""
import argparse
import http.client
import json
import os
import socket
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHOWCASE = os.path.join(os.path.dirname(HERE), "build", "release", "examples", "vial_showcase")
PORT = 18090


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def mib(pid, key="VmRSS"):
    return int(status(pid)[key].split()[0]) / 1024


def start(extra_env=None):
    env = dict(os.environ, **(extra_env or {}))
    proc = subprocess.Popen(["taskset", "-c", "0", SHOWCASE, "run", "--port", str(PORT),
                             "--threads", "1", "--quiet"], env=env,
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", PORT)).close()
            return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("showcase did not start")


def fill_items():
    conn = http.client.HTTPConnection("127.0.0.1", PORT)
    body = json.dumps({"name": "x" * 4000})
    for _ in range(10000):
        conn.request("POST", "/api/items", body, {"Content-Type": "application/json"})
        conn.getresponse().read()
    conn.close()


def slow_readers(count):
    held = []
    for _ in range(count):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", PORT))
        s.sendall(b"GET /api/items HTTP/1.1\r\nHost: t\r\n\r\n")
        held.append(s)
    return held


def stalled_bodies(count):
    held, refused = [], 0
    body = b"a" * (1024 * 1024 - 2)
    for _ in range(count):
        s = socket.socket()
        s.connect(("127.0.0.1", PORT))
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1048576\r\n\r\n")
        try:
            s.settimeout(0.5)
            s.sendall(body)
        except OSError:
            refused += 1  # answered 503 and closed while we were still sending
        held.append(s)
    return held, refused


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--readers", default="50,230")
    parser.add_argument("--bodies", type=int, default=1000)
    args = parser.parse_args()

    proc = start()
    try:
        print(f"idle: VmRSS {mib(proc.pid):.1f} MiB")
        fill_items()
        print(f"store filled (10000 x 4 KiB): VmRSS {mib(proc.pid):.1f} MiB")
        for n in [int(x) for x in args.readers.split(",")]:
            held = slow_readers(n)
            time.sleep(2)
            print(f"{n} slow readers of /api/items: VmRSS {mib(proc.pid):.1f} MiB, "
                  f"VmHWM {mib(proc.pid, 'VmHWM'):.1f} MiB")
            for s in held:
                s.close()
    finally:
        proc.terminate()
        proc.wait()

    proc = start()
    try:
        held, refused = stalled_bodies(args.bodies)
        time.sleep(1)
        print(f"{args.bodies} stalled 1 MiB bodies: VmRSS {mib(proc.pid):.1f} MiB, "
              f"VmHWM {mib(proc.pid, 'VmHWM'):.1f} MiB ({refused} refused while sending)")
        time.sleep(11)
        print(f"  11 s later (body idle timeout 10 s): VmRSS {mib(proc.pid):.1f} MiB")
        for s in held:
            s.close()
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
