#!/usr/bin/env python3
"""odmock's benchmark driver. bench/run.sh builds the binaries and calls it.

It starts each target server on a free loopback port, measures its startup
time to a first 200, finds the queries of the workloads, drives every
(workload, target) pair with wrk in alternating rounds, and prints a table
(and JSON with --json). With --scale it also measures odmock serving about
1,000,000 user messages. Every server it starts is stopped by its pid when
it ends, however it ends. Only 127.0.0.1 is ever contacted.

Standard library only.
"""

import argparse
import http.client
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

TOKEN = "odmock-dev-token"
API = "/public/api/user-interactions"
WINDOW = ("2024-01-01 00:00:00", "2024-01-31 23:59:59")
# Every message a dataset holds, whatever its window (the generator may
# place some outside the window it was given).
ALL_TIME = ("1970-01-01 00:00:00", "2999-12-31 23:59:59")
# A one-second range: a cheap query that answers 200 once the API is up.
READY_RANGE = ("2024-01-01 00:00:00", "2024-01-01 00:00:00")
ONE_USER_TARGET_BYTES = 1024

# name -> expected status from odmock (the baseline answers 200 to all).
WORKLOADS = ["one-user", "filtered", "invalid", "unauthorized"]
EXPECTED = {"one-user": 200, "filtered": 200, "invalid": 422, "unauthorized": 401}

SERVERS = []  # every Server started, so that cleanup can stop them all


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def query(params):
    return API + "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path, token=TOKEN, timeout=30.0):
    """One GET to 127.0.0.1:port; returns (status, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Authorization": "Bearer " + token} if token else {}
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def proc_status(pid):
    """VmRSS and VmHWM of pid in KiB, from /proc/PID/status."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return None


def mib(kib):
    return None if kib is None else round(kib / 1024, 1)


class Server:
    """A server process on 127.0.0.1; argv_for(port) gives its command."""

    def __init__(self, name, argv_for, tmp, ready_path, ready_token=TOKEN):
        self.name = name
        self.argv_for = argv_for
        self.tmp = tmp
        self.ready_path = ready_path
        self.ready_token = ready_token
        self.proc = None
        self.port = None
        self.starts = 0

    def start(self, timeout):
        """Starts the process, polls the API until 200; returns ms to it."""
        self.port = free_port()
        self.starts += 1
        logf = open(os.path.join(self.tmp, f"{self.name}.{self.starts}.log"), "wb")
        argv = self.argv_for(self.port)
        t0 = time.perf_counter()
        # A session of its own, so that its children (if any) go with it.
        self.proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     env=server_env())
        logf.close()
        SERVERS.append(self)
        deadline = t0 + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} before "
                                   f"answering; see {self.logfile()}")
            try:
                status, _ = http_get(self.port, self.ready_path, self.ready_token, timeout=timeout)
                if status == 200:
                    return (time.perf_counter() - t0) * 1000
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{self.name} gave no 200 within {timeout:.0f}s; "
                                   f"see {self.logfile()}")
            time.sleep(0.002)

    def logfile(self):
        return os.path.join(self.tmp, f"{self.name}.{self.starts}.log")

    def stop(self):
        p = self.proc
        if p is None:
            return
        self.proc = None
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)  # the group of our own child, by its pid
            except OSError:
                p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    p.kill()
                p.wait(timeout=5)
        if self in SERVERS:
            SERVERS.remove(self)

    def rss(self):
        return proc_status(self.proc.pid) if self.proc else {}

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


def server_env():
    """The environment for servers: odmock reads ODMOCK_* variables as flags,
    so none of the caller's may change what is measured."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ODMOCK_")}


def stop_all():
    for s in list(SERVERS):
        try:
            s.stop()
        except Exception as e:  # keep stopping the others
            log(f"bench: stopping {s.name}: {e}")


def on_signal(signum, frame):
    raise SystemExit(128 + signum)


def measure_startup(server, n, timeout):
    """Starts server n times; the last start is left running. Returns ms list."""
    samples = []
    for i in range(n):
        samples.append(round(server.start(timeout), 1))
        if i < n - 1:
            server.stop()
    return samples


# --- wrk -----------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def parse_duration_ms(s):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", s)
    return float(m.group(1)) * UNITS[m.group(2)]


def parse_bytes(s):
    m = re.fullmatch(r"([\d.]+)([KMGT]?B)", s)
    mult = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}[m.group(2)]
    return float(m.group(1)) * mult


def parse_wrk(out):
    r = {}
    m = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    r["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"^Transfer/sec:\s+(\S+)", out, re.M)
    r["bytes_per_s"] = parse_bytes(m.group(1)) if m else 0.0
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        r[f"p{pct}_ms"] = parse_duration_ms(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in ([\d.]+\w+), (\S+) read", out)
    r["requests"] = int(m.group(1)) if m else 0
    m2 = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["non_2xx"] = int(m2.group(1)) if m2 else 0
    m3 = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["socket_errors"] = sum(int(x) for x in m3.groups()) if m3 else 0
    return r


def run_wrk(args, url, token, duration):
    argv = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{duration}s",
            "--latency", "--timeout", f"{args.wrk_timeout}s"]
    if token:
        argv += ["-H", f"Authorization: Bearer {token}"]
    argv.append(url)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    if p.returncode != 0 or "Requests/sec" not in p.stdout:
        raise RuntimeError(f"wrk failed ({p.returncode}): {p.stderr.strip() or p.stdout.strip()}")
    return parse_wrk(p.stdout)


def median_of(rounds):
    keys = ["rps", "bytes_per_s", "p50_ms", "p75_ms", "p90_ms", "p99_ms"]
    out = {}
    for k in keys:
        vals = [r[k] for r in rounds if r.get(k) is not None]
        out[k] = statistics.median(vals) if vals else None
    rps = [r["rps"] for r in rounds]
    out["rps_spread"] = (max(rps) - min(rps)) / out["rps"] if out["rps"] else None
    out["requests"] = sum(r["requests"] for r in rounds)
    out["non_2xx"] = sum(r["non_2xx"] for r in rounds)
    out["socket_errors"] = sum(r["socket_errors"] for r in rounds)
    return out


def load_rounds(args, cases, duration, rounds):
    """cases: list of (workload, target name, url, token). Runs every case
    once per round; within a round, each workload's targets run in an order
    rotated by the round number, so drift falls on each target alike.
    Returns {(workload, target): [wrk result per round]}."""
    by_workload = {}
    for c in cases:
        by_workload.setdefault(c[0], []).append(c)
    results = {}
    for r in range(rounds):
        for w, cs in by_workload.items():
            k = r % len(cs)
            for (wl, target, url, token) in cs[k:] + cs[:k]:
                res = run_wrk(args, url, token, duration)
                results.setdefault((wl, target), []).append(res)
                log(f"bench: round {r + 1}/{rounds} {wl:<12} {target:<14} "
                    f"{res['rps']:>10.0f} req/s  p50 {fmt_ms(res['p50_ms'])}  p99 {fmt_ms(res['p99_ms'])}")
    return results


# --- finding the workloads' queries ---------------------------------------

def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def one_user_candidates(answer, limit=5):
    """From a whole-range answer, the (user, day) pairs whose one-day answer
    would be nearest ONE_USER_TARGET_BYTES, nearest first."""
    cands = []
    for entry in answer.get("data", []):
        for uid, group in entry.items():
            days = {}
            for it in group.get("interactions", []):
                days.setdefault(str(it.get("date", ""))[:10], []).append(it)
            for day, items in days.items():
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
                    continue
                g = dict(group)
                g["interactions"] = items
                g["from"] = f"{day}T00:00:00.000000Z"
                g["to"] = f"{day}T23:59:59.000000Z"
                est = len(compact({"data": [{uid: g}]}).encode())
                cands.append((abs(est - ONE_USER_TARGET_BYTES), uid, day))
    cands.sort()
    return [(uid, day) for _, uid, day in cands[:limit]]


def find_one_user(port, frm, to):
    status, body = http_get(port, query({"from": frm, "to": to}), timeout=120)
    if status != 200:
        raise RuntimeError(f"whole-range query answered {status}: {body[:200]!r}")
    answer = json.loads(body)
    best = None
    for uid, day in one_user_candidates(answer):
        path = query({"from": f"{day} 00:00:00", "to": f"{day} 23:59:59", "user_id": uid})
        st, b = http_get(port, path)
        if st == 200 and b'"interactions"' in b:
            d = abs(len(b) - ONE_USER_TARGET_BYTES)
            if best is None or d < best[0]:
                best = (d, uid, day, path, len(b))
    if best is None:
        raise RuntimeError("found no user with messages in the whole-range answer")
    users = len(answer.get("data", []))
    messages = sum(len(g.get("interactions", [])) for e in answer.get("data", []) for g in e.values())
    return {"user_id": best[1], "day": best[2], "path": best[3], "bytes": best[4],
            "window_users": users, "window_messages": messages, "window_bytes": len(body)}


def workload_paths(one_user_path):
    return {
        "one-user": (one_user_path, TOKEN),
        "filtered": (query({"from": WINDOW[0], "to": WINDOW[1], "browser": "chrome"}), TOKEN),
        "invalid": (query({"to": WINDOW[1]}), TOKEN),
        "unauthorized": (query({"from": WINDOW[0], "to": WINDOW[1]}), None),
    }


def count_messages_streamed(port, path, timeout):
    """Streams an answer, counting interactions by their "date" key (only
    interactions have one); returns (messages, bytes, seconds)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    needle = b'"date":"'
    n = size = 0
    tail = b""
    t0 = time.perf_counter()
    try:
        conn.request("GET", path, headers={"Authorization": "Bearer " + TOKEN})
        r = conn.getresponse()
        if r.status != 200:
            raise RuntimeError(f"whole-range query answered {r.status}")
        while True:
            chunk = r.read(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            buf = tail + chunk
            n += buf.count(needle)
            # Keep a tail shorter than the needle: a needle split between
            # two chunks is then counted once, in the next buffer.
            tail = buf[-(len(needle) - 1):]
    finally:
        conn.close()
    return n, size, time.perf_counter() - t0


# --- report ----------------------------------------------------------------

def fmt_ms(v):
    if v is None:
        return "-"
    if v < 1:
        return f"{v * 1000:.0f}us"
    if v < 100:
        return f"{v:.2f}ms"
    return f"{v:.0f}ms"


def fmt_x(v):
    return "-" if v is None else f"{v:.2f}x"


def round_ratios(ra, rb):
    """Median over rounds of a's value / b's value, for req/s, p50 and p99.
    Both ran back to back in each round, so each round's ratio is measured
    under the same load from the rest of the machine: the median of those
    ratios is steadier than a ratio of medians on a busy machine."""
    out = {}
    for k in ("rps", "p50_ms", "p99_ms"):
        vals = [a[k] / b[k] for a, b in zip(ra, rb) if a.get(k) and b.get(k)]
        out[k] = statistics.median(vals) if vals else None
    return out


def print_table(res, targets, ref_pairs, out=sys.stdout):
    cfg = res["config"]
    p = lambda *a: print(*a, file=out)
    p()
    p(f"odmock benchmark: wrk -t{cfg['threads']} -c{cfg['connections']}, "
      f"{cfg['rounds']} round(s) x {cfg['duration']}s per workload and target, median of rounds; "
      f"{cfg['cpus']} CPUs (load average before: {cfg['loadavg_before']}, after: {res['loadavg_after']}); "
      f"odmock users: {cfg['users'] or 'default'}"
      + (f", odmock arguments: {' '.join(cfg['odmock_args'])}" if cfg["odmock_args"] else ""))
    p("ratios: median over rounds of odmock's value / the other's, each round's pair run back to back; "
      "req/s above 1 and latency below 1 favour odmock")
    one = res.get("one_user")
    if one:
        p(f"one-user query: user {one['user_id']}, day {one['day']}, {one['bytes']} B "
          f"(whole window: {one['window_users']} users, {one['window_messages']} messages, "
          f"{one['window_bytes']} B; all time: {res['dataset']['messages_all_time']} messages)")
    p()
    hdr = f"{'workload':<13}{'target':<16}{'status':>6}{'bytes':>9}{'req/s':>11}{'spread':>8}" \
          f"{'p50':>10}{'p99':>10}{'MB/s':>9}"
    p(hdr)
    p("-" * len(hdr))
    for w in WORKLOADS:
        first = True
        for t in targets:
            c = res["workloads"][w].get(t)
            if c is None:
                continue
            m = c["median"]
            spread = "-" if m["rps_spread"] is None else f"{m['rps_spread'] * 100:.0f}%"
            p(f"{(w if first else ''):<13}{t:<16}{c['status']:>6}{c['bytes']:>9}{m['rps']:>11,.0f}"
              f"{spread:>8}{fmt_ms(m['p50_ms']):>10}{fmt_ms(m['p99_ms']):>10}"
              f"{m['bytes_per_s'] / 1e6:>9.1f}")
            first = False
        for a, b in ref_pairs:
            ca, cb = res["workloads"][w].get(a), res["workloads"][w].get(b)
            if ca is None or cb is None:
                continue
            x = res["ratios"][w][f"{a}/{b}"]
            p(f"{'':<13}{(a + '/' + b):<31}{fmt_x(x['rps']):>11}{'':>8}"
              f"{fmt_x(x['p50_ms']):>10}{fmt_x(x['p99_ms']):>10}")
    p()
    for name, s in res["startup"].items():
        p(f"startup to first 200, {name}: median {s['median_ms']:.1f} ms of {len(s['samples_ms'])} "
          f"starts {s['samples_ms']}")
    for name, r in res["rss_after_load"].items():
        p(f"RSS after load, {name}: {r['rss_mib']} MiB (peak {r['hwm_mib']} MiB; "
          f"at ready {r['ready_rss_mib']} MiB)")
    sc = res.get("scale")
    if sc:
        p()
        p(f"scale: odmock --users {sc['users']} ({sc['users_from']}): {sc['all_time_messages']:,} "
          f"user messages in all ({sc['all_time_bytes'] / 1e6:.1f} MB as one answer), "
          f"{sc['window_messages']:,} in the window ({sc['window_bytes'] / 1e6:.1f} MB)")
        p(f"  time to ready: {sc['startup_ms']:.0f} ms (default dataset: "
          f"{res['startup']['odmock']['median_ms']:.1f} ms); RSS at ready: {sc['ready_rss_mib']} MiB "
          f"(peak {sc['ready_hwm_mib']} MiB; default dataset: "
          f"{res['rss_after_load']['odmock']['ready_rss_mib']} MiB)")
        a, b = sc["one_user"]["scale"], sc["one_user"]["default"]
        p(f"  one-user ({sc['one_user']['bytes']} B): scale {a['rps']:,.0f} req/s p50 {fmt_ms(a['p50_ms'])} "
          f"p99 {fmt_ms(a['p99_ms'])}; default {b['rps']:,.0f} req/s p50 {fmt_ms(b['p50_ms'])} "
          f"p99 {fmt_ms(b['p99_ms'])}")
        x = sc["one_user"]["ratio"]
        p(f"  one-user scale/default: req/s {fmt_x(x['rps'])}, p50 {fmt_x(x['p50_ms'])}, "
          f"p99 {fmt_x(x['p99_ms'])}")
        ww = sc["whole_window"]
        p(f"  whole window by curl to /dev/null: {ww['bytes'] / 1e6:.1f} MB in {ww['seconds']:.2f} s; "
          f"RSS before {ww['rss_before_mib']} MiB, peak during {ww['rss_peak_mib']} MiB, "
          f"after {ww['rss_after_mib']} MiB; peak growth / answer size = {ww['growth_per_answer_byte']:.2f}")
    if res["problems"] or res["warnings"]:
        p()
        for pr in res["problems"]:
            p(f"PROBLEM: {pr}")
        for wa in res["warnings"]:
            p(f"warning: {wa}")
    p()


# --- main ------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--odmock", required=True, help="odmock binary")
    ap.add_argument("--baseline", required=True, help="baseline binary")
    ap.add_argument("--prism", help="prism binary; also benchmark Prism (--peers)")
    ap.add_argument("--openapi", required=True, help="openapi.yaml for Prism")
    ap.add_argument("--tmp", required=True, help="directory for logs")
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds; median taken (default 3)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    ap.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    ap.add_argument("--wrk-timeout", type=int, default=10, help="wrk per-request timeout, s")
    ap.add_argument("--starts", type=int, default=5, help="starts for startup time (default 5)")
    ap.add_argument("--users", type=int, help="passed to odmock as --users")
    ap.add_argument("--odmock-arg", action="append", default=[], metavar="ARG",
                    help="one more argument for odmock (repeatable), e.g. --odmock-arg=--log-level=warn")
    ap.add_argument("--scale", action="store_true", help="also measure ~1,000,000 messages")
    ap.add_argument("--scale-messages", type=int, default=1_000_000)
    ap.add_argument("--scale-users", type=int, help="odmock --users for --scale (else computed)")
    ap.add_argument("--quick", action="store_true", help="short smoke run")
    ap.add_argument("--no-check", action="store_true", help="do not fail on odmock's wrong statuses")
    ap.add_argument("--json", help="write the results as JSON to this file")
    args = ap.parse_args()
    if args.quick:
        args.duration, args.rounds, args.starts = 1, 1, 2
    if args.duration < 1 or args.rounds < 1 or args.starts < 1:
        ap.error("--duration, --rounds and --starts must be at least 1")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        return run(args)
    finally:
        stop_all()


def odmock_argv(binary, users, extra=()):
    def argv(port):
        a = [binary, "--addr", f"127.0.0.1:{port}"]
        if users:
            a += ["--users", str(users)]
        return a + list(extra)
    return argv


def run(args):
    ready_path = query({"from": READY_RANGE[0], "to": READY_RANGE[1]})
    start_timeout = 60.0
    odmock = Server("odmock", odmock_argv(args.odmock, args.users, args.odmock_arg), args.tmp, ready_path)
    baseline = Server("baseline", lambda port: [args.baseline, "--addr", f"127.0.0.1:{port}"],
                      args.tmp, ready_path)
    servers = [odmock, baseline]
    if args.prism:
        prism = Server("prism", lambda port: [args.prism, "mock", args.openapi, "-h", "127.0.0.1",
                                               "-p", str(port), "-v", "warn"],
                       args.tmp, ready_path)
        servers.append(prism)
    targets = [s.name for s in servers]

    res = {"config": {"threads": args.threads, "connections": args.connections,
                      "duration": args.duration, "rounds": args.rounds, "starts": args.starts,
                      "users": args.users, "odmock_args": args.odmock_arg, "cpus": os.cpu_count(), "quick": args.quick,
                      "token": TOKEN, "window": list(WINDOW), "loadavg_before": loadavg()},
           "startup": {}, "rss_after_load": {}, "workloads": {w: {} for w in WORKLOADS},
           "problems": [], "warnings": []}

    ready_rss = {}
    for s in servers:
        n = args.starts if s.name != "baseline" else 1
        log(f"bench: starting {s.name} {n} time(s)")
        samples = measure_startup(s, n, start_timeout)
        if s.name != "baseline":
            res["startup"][s.name] = {"samples_ms": samples, "median_ms": statistics.median(samples)}
        ready_rss[s.name] = s.rss()

    log("bench: finding a one-user query of about 1 KB")
    one = find_one_user(odmock.port, *WINDOW)
    res["one_user"] = one
    n, size, _ = count_messages_streamed(odmock.port, query({"from": ALL_TIME[0], "to": ALL_TIME[1]}), 120)
    res["dataset"] = {"messages_all_time": n, "bytes_all_time": size,
                      "messages_in_window": one["window_messages"]}
    if n != one["window_messages"]:
        res["warnings"].append(
            f"odmock's default dataset holds {n} user messages, but only {one['window_messages']} "
            f"are in its window {WINDOW[0]} to {WINDOW[1]}")
    paths = workload_paths(one["path"])

    # Status and size of each workload's answer, per target.
    for w in WORKLOADS:
        path, token = paths[w]
        for s in servers:
            st, body = http_get(s.port, path, token, timeout=60)
            res["workloads"][w][s.name] = {"status": st, "bytes": len(body), "url": s.url(path),
                                           "token": bool(token)}
        got = res["workloads"][w]["odmock"]["status"]
        if got != EXPECTED[w]:
            res["problems"].append(f"odmock answered {got} to {w}, expected {EXPECTED[w]}")

    cases = [(w, s.name, s.url(paths[w][0]), paths[w][1]) for w in WORKLOADS for s in servers]
    log(f"bench: {args.rounds} round(s) of {len(cases)} wrk runs of {args.duration}s")
    rounds = load_rounds(args, cases, args.duration, args.rounds)
    for (w, t), rs in rounds.items():
        c = res["workloads"][w][t]
        c["rounds"] = rs
        c["median"] = median_of(rs)
        if t == "odmock":
            m = c["median"]
            want_non2xx = 0 if EXPECTED[w] < 300 else m["requests"]
            if m["non_2xx"] != want_non2xx:
                res["problems"].append(
                    f"odmock {w}: {m['non_2xx']} of {m['requests']} answers were non-2xx under load, "
                    f"expected {want_non2xx} (rate limiting? errors?)")
        if c["median"]["socket_errors"]:
            res["warnings"].append(f"{t} {w}: {c['median']['socket_errors']} socket errors under load")

    res["ratios"] = {w: {} for w in WORKLOADS}
    for w in WORKLOADS:
        for t in targets[1:]:
            res["ratios"][w][f"odmock/{t}"] = round_ratios(rounds[(w, "odmock")], rounds[(w, t)])

    for s in servers:
        r = s.rss()
        res["rss_after_load"][s.name] = {"rss_mib": mib(r.get("VmRSS")), "hwm_mib": mib(r.get("VmHWM")),
                                         "ready_rss_mib": mib(ready_rss[s.name].get("VmRSS"))}
        if s.proc and s.proc.poll() is not None:
            res["problems"].append(f"{s.name} died during the run; see {s.logfile()}")

    for s in servers:
        if s is not odmock:
            s.stop()

    if args.scale:
        res["scale"] = run_scale(args, odmock, one, ready_path, res)

    odmock.stop()
    res["loadavg_after"] = loadavg()

    ref_pairs = [("odmock", "baseline")] + ([("odmock", "prism")] if args.prism else [])
    print_table(res, targets, ref_pairs)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
            f.write("\n")
        log(f"bench: wrote {args.json}")
    if res["problems"] and not args.no_check:
        return 3
    return 0


def run_scale(args, odmock_default, one_default, ready_path, res):
    sc = {}
    if args.scale_users:
        users, sc["users_from"] = args.scale_users, "from --scale-users"
    else:
        # Messages per user of the generator, from a dataset of a known size.
        calib_users = 1000
        log(f"bench: scale: calibrating messages per user with --users {calib_users}")
        calib = Server("odmock-calib", odmock_argv(args.odmock, calib_users, args.odmock_arg), args.tmp, ready_path)
        calib.start(120)
        n, _, _ = count_messages_streamed(calib.port, query({"from": ALL_TIME[0], "to": ALL_TIME[1]}), 300)
        calib.stop()
        per_user = n / calib_users
        if per_user <= 0:
            raise RuntimeError("calibration dataset has no messages")
        users = math.ceil(args.scale_messages / per_user)
        sc["users_from"] = f"{per_user:.1f} messages per user at --users {calib_users}"
    sc["users"] = users
    log(f"bench: scale: starting odmock --users {users}")
    big = Server("odmock-scale", odmock_argv(args.odmock, users, args.odmock_arg), args.tmp, ready_path)
    sc["startup_ms"] = round(big.start(600), 1)
    r = big.rss()
    sc["ready_rss_mib"], sc["ready_hwm_mib"] = mib(r.get("VmRSS")), mib(r.get("VmHWM"))

    whole = query({"from": WINDOW[0], "to": WINDOW[1]})
    # Whole window by curl to /dev/null, sampling the server's RSS meanwhile.
    before = big.rss()
    peak = [before.get("VmRSS", 0)]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], big.rss().get("VmRSS", 0))
            done.wait(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t0 = time.perf_counter()
    p = subprocess.run(["curl", "-sS", "--max-time", "600", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                        "-H", f"Authorization: Bearer {TOKEN}", big.url(whole)],
                       capture_output=True, text=True, timeout=660)
    secs = time.perf_counter() - t0
    done.set()
    th.join()
    after = big.rss()
    code, size = (p.stdout.split() + ["0", "0"])[:2]
    if p.returncode != 0 or code != "200":
        raise RuntimeError(f"whole-window download failed: curl {p.returncode}, {p.stdout} {p.stderr}")
    size = int(size)
    growth = (peak[0] - before.get("VmRSS", 0)) * 1024
    sc["whole_window"] = {"bytes": size, "seconds": round(secs, 3),
                          "rss_before_mib": mib(before.get("VmRSS")), "rss_peak_mib": mib(peak[0]),
                          "rss_after_mib": mib(after.get("VmRSS")), "hwm_after_mib": mib(after.get("VmHWM")),
                          "growth_per_answer_byte": growth / size if size else 0.0}
    log("bench: scale: counting messages in the whole window and in all time")
    n, nbytes, _ = count_messages_streamed(big.port, whole, 600)
    sc["window_messages"], sc["window_bytes"] = n, nbytes
    n, nbytes, _ = count_messages_streamed(big.port, query({"from": ALL_TIME[0], "to": ALL_TIME[1]}), 600)
    sc["all_time_messages"], sc["all_time_bytes"] = n, nbytes

    # A one-user query of about 1 KB in the big dataset: found in one day of it.
    log("bench: scale: finding a one-user query of about 1 KB")
    day = one_default["day"]
    one = find_one_user(big.port, f"{day} 00:00:00", f"{day} 23:59:59")
    sc["one_user"] = {"bytes": one["bytes"], "user_id": one["user_id"], "day": one["day"]}
    cases = [("one-user", "odmock-scale", big.url(one["path"]), TOKEN),
             ("one-user", "odmock-default", odmock_default.url(one_default["path"]), TOKEN)]
    rounds = load_rounds(args, cases, args.duration, args.rounds)
    sc["one_user"]["ratio"] = round_ratios(rounds[("one-user", "odmock-scale")],
                                           rounds[("one-user", "odmock-default")])
    sc["one_user"]["scale"] = median_of(rounds[("one-user", "odmock-scale")])
    sc["one_user"]["default"] = median_of(rounds[("one-user", "odmock-default")])
    r = big.rss()
    sc["rss_after_load_mib"] = mib(r.get("VmRSS"))
    big.stop()
    return sc


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        log(f"bench: error: {e}")
        sys.exit(1)
