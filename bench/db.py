#!/usr/bin/python3
"""`make bench-db`: TechEmpower's database tests (issue 9).

PostgreSQL 15 (a cluster of the bench's own, in a temporary directory, fsync off) runs on
core 1 with wrk; the front process runs on core 0: vial's showcase with
VIAL_DATABASE_URL=postgresql://..., then Quart + psycopg 3 (async pool of 4) under
hypercorn, one worker. For /db, /queries?queries=20 and /updates?queries=20 at c256 it
prints req/s, p99, errors and the front's CPU per request, and the ratios the issue sets
goals for (/db >= 10x Quart's req/s; vial's /queries?queries=20 CPU per request <= 6x its
own /db's). Then /db on the embedded SQLite default (goal >= 20k req/s on one core).
Run with Debian's /usr/bin/python3 (psycopg imports there).
"""
import argparse
import os
import pwd
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (wrk, ports, CPU accounting)

PG_BIN = "/usr/lib/postgresql/15/bin"
PATHS = {"db": "/db", "queries20": "/queries?queries=20", "updates20": "/updates?queries=20"}
CONNECTIONS = 256


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """initdb + postgres as the `postgres` user when we are root; stopped by PID."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vial-bench-pg-")
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = pwd.getpwnam("postgres")
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        self.run_as_owner([f"{PG_BIN}/initdb", "-D", f"{self.dir}/data", "-U", "vial", "-A",
                           "trust", "-E", "UTF8", "--no-sync"])
        log = open(f"{self.dir}/server.log", "w")
        self.proc = subprocess.Popen(
            ["taskset", "-c", "1", f"{PG_BIN}/postgres", "-D", f"{self.dir}/data", "-p",
             str(self.port), "-k", self.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
             "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
             "max_connections=300"], stdout=log, stderr=log, preexec_fn=self.demote)
        if not bench.wait_port(self.port):
            raise RuntimeError("postgres did not start")
        time.sleep(0.5)
        self.psql("postgres", "CREATE DATABASE bench")
        self.psql("bench", "CREATE TABLE world (id integer PRIMARY KEY, randomnumber integer NOT NULL);"
                           "INSERT INTO world SELECT i, floor(random() * 10000) + 1 "
                           "FROM generate_series(1, 10000) AS i")

    def demote(self):
        if self.user:
            os.setgid(self.user.pw_gid)
            os.setuid(self.user.pw_uid)

    def run_as_owner(self, command):
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, preexec_fn=self.demote)

    def url(self, database="bench"):
        return f"postgresql://vial@127.0.0.1:{self.port}/{database}"

    def psql(self, database, sql):
        import psycopg
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            for statement in sql.split(";"):
                conn.execute(statement)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def front(command, env, cwd=None):
    return subprocess.Popen(["taskset", "-c", "0"] + command, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env, cwd=cwd)


def measure(proc, path, seconds, database):
    bench.run_wrk(path, CONNECTIONS, 2)  # warm: pools open, statements prepared
    pids = bench.process_tree(proc.pid)
    db_pids = bench.process_tree(database.proc.pid) if database else []
    before, db_before = bench.cpu_seconds(pids), bench.cpu_seconds(db_pids) if db_pids else 0
    result = bench.run_wrk(path, CONNECTIONS, seconds)
    done = max(result["requests"], 1)
    result["cpu_us"] = (bench.cpu_seconds(pids) - before) * 1e6 / done
    result["db_cpu_us"] = ((bench.cpu_seconds(db_pids) - db_before) * 1e6 / done
                           if db_pids else float("nan"))
    return result


def run_server(name, command, env, seconds, scenarios, database, cwd=None):
    proc = front(command, env, cwd)
    results = {}
    try:
        if not bench.wait_port(bench.PORT):
            raise RuntimeError(f"{name} did not start")
        for scenario in scenarios:
            results[scenario] = measure(proc, PATHS[scenario], seconds, database)
    finally:
        bench.stop(proc)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--servers", default="vial,quart")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(20000, hard), hard))
    scenarios = list(PATHS)
    pg = Postgres()
    table = {}
    try:
        env = dict(os.environ, VIAL_DATABASE_URL=pg.url())
        if "vial" in args.servers:
            table["vial"] = run_server("vial", bench.SERVERS["vial"], env, args.seconds, scenarios,
                                       pg)
        if "quart" in args.servers:
            env = dict(os.environ, DATABASE_URL=pg.url(), PYTHONDONTWRITEBYTECODE="1")
            command = ["hypercorn", "-w", "1", "--backlog", "2048", "-b",
                       f"127.0.0.1:{bench.PORT}", "quart_db_app:app"]
            table["quart+psycopg"] = run_server("quart", command, env, args.seconds, scenarios,
                                                pg, cwd=os.path.join(bench.HERE, "peers"))
    finally:
        pg.stop()
    print(f"PostgreSQL (core 1, with wrk), front on core 0, c{CONNECTIONS}, {args.seconds} s:")
    for server, results in table.items():
        for scenario, r in results.items():
            print(f"  {server:<14} {PATHS[scenario]:<22} {r['rps']:>9.0f} req/s  p50 "
                  f"{r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  errors {r['errors']:>5}  "
                  f"CPU {r['cpu_us']:7.1f} us/req (PostgreSQL {r['db_cpu_us']:6.1f})")
    if "vial" in table:
        v = table["vial"]
        print(f"  vial /queries?queries=20 CPU per request = {v['queries20']['cpu_us'] / v['db']['cpu_us']:.2f}x "
              f"its /db's (goal <= 6x)")
        if "quart+psycopg" in table:
            q = table["quart+psycopg"]
            for scenario in scenarios:
                print(f"  vial vs quart+psycopg {PATHS[scenario]}: "
                      f"{v[scenario]['rps'] / max(q[scenario]['rps'], 1):.1f}x req/s, "
                      f"{q[scenario]['cpu_us'] / v[scenario]['cpu_us']:.1f}x less CPU per request")
    # The embedded default: SQLite in memory, the query thread on the same core.
    sqlite = run_server("vial-sqlite", bench.SERVERS["vial"], dict(os.environ), args.seconds,
                        ["db"], None)["db"]
    print(f"SQLite (embedded default, one core) /db c{CONNECTIONS}: {sqlite['rps']:.0f} req/s "
          f"(goal >= 20000), p99 {sqlite['p99']:.1f} ms, errors {sqlite['errors']}, "
          f"CPU {sqlite['cpu_us']:.1f} us/req")


if __name__ == "__main__":
    sys.exit(main())
