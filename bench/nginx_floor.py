#!/usr/bin/python3
"""vial's CPU per request against nginx's static answers, both alive, rounds alternating.

`bench/run.py` starts one server per scenario and measures each once: a figure of one
run moves ±30% here, so its vial-to-nginx ratio is luck. This script keeps nginx
(`return 200`, port 18080) and one or more showcase binaries (18081, 18082, ...) up
together on core 0, and in each round runs wrk (core 1, c64) on every server in turn, for
every path. Each round gives a ratio to nginx measured minutes apart, not hours; the
medians of those ratios are the figures to quote.

    /usr/bin/python3 bench/nginx_floor.py [--binary B[,B2]] [--paths /plaintext,/json]
                                          [--rounds 5] [--seconds 5] [--pipeline]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402
from async_path import cpu_per_request  # noqa: E402

PIPELINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pipeline.lua")


def start(command, port):
    proc = subprocess.Popen(["taskset", "-c", "0"] + command,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not run.wait_port(port):
        run.stop(proc)
        raise RuntimeError(f"{command[0]} did not start on port {port}")
    return proc


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=run.SHOWCASE,
                        help="showcase binaries to compare, comma-separated")
    parser.add_argument("--paths", default="/plaintext,/json")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--pipeline", action="store_true",
                        help="16 requests per write (bench/pipeline.lua), as TechEmpower's plaintext")
    args = parser.parse_args()
    paths = args.paths.split(",")
    nginx = run.nginx_command()
    servers = {"nginx": (start(nginx, run.PORT), run.PORT)}
    try:
        for i, binary in enumerate(args.binary.split(",")):
            port = run.PORT + 1 + i
            command = [binary, "run", "--port", str(port), "--threads", "1", "--quiet"]
            servers[f"vial#{i}" if "," in args.binary else "vial"] = (start(command, port), port)
        for proc, port in servers.values():  # warm-up: first allocations, page faults
            run.run_wrk("/plaintext", 64, 2, port=port)
        rows = {}
        for _ in range(args.rounds):
            for path in paths:
                for name, (proc, port) in servers.items():
                    result = cpu_per_request(proc, path, 64, args.seconds, port=port,
                                             script=PIPELINE if args.pipeline else None)
                    rows.setdefault((name, path), []).append(result)
        print(f"server CPU per request, c64{', 16 pipelined' if args.pipeline else ''}, "
              f"{args.rounds} rounds of {args.seconds} s, medians")
        for path in paths:
            floor = [r["cpu_us"] for r in rows[("nginx", path)]]
            for name in servers:
                mine = [r["cpu_us"] for r in rows[(name, path)]]
                ratios = [a / b for a, b in zip(mine, floor)]
                rps = statistics.median(r["rps"] for r in rows[(name, path)])
                print(f"  {path:11} {name:7} {statistics.median(mine):6.2f} µs/req "
                      f"{rps:8.0f} req/s   to nginx {statistics.median(ratios):.3f}x "
                      f"(rounds: {' '.join(f'{x:.2f}' for x in ratios)})")
            # Two builds or more: each against the first, round by round (A/B).
            names = [name for name in servers if name != "nginx"]
            first = [r["cpu_us"] for r in rows[(names[0], path)]]
            for name in names[1:]:
                mine = [r["cpu_us"] for r in rows[(name, path)]]
                ratios = [a / b for a, b in zip(mine, first)]
                print(f"  {path:11} {name:7} to {names[0]}: {statistics.median(ratios):.3f}x "
                      f"(rounds: {' '.join(f'{x:.2f}' for x in ratios)})")
    finally:
        for proc, _ in servers.values():
            run.stop(proc)
        shutil.rmtree(os.path.dirname(nginx[2]), ignore_errors=True)


if __name__ == "__main__":
    main()
