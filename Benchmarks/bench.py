#!/usr/bin/env python3
"""The benchmark of issue #5, run by Benchmarks/run.sh (which builds payplan in
release mode, generates the data and installs duckdb first).

Every command runs as a child process, timed end to end (wall clock) with
its peak RSS from wait4(2); each figure is the median of --runs runs after
one untimed warm-up run, so every command reads the files from the page
cache. Prints a Markdown report and writes it to --report."""
import argparse
import glob
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_once(cmd, stdout=subprocess.DEVNULL):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, shell=isinstance(cmd, str))
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"benchmark command failed ({code}): {cmd}\n{err}")
    return wall, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def measure(label, cmd, runs):
    run_once(cmd)  # warm-up: page cache, dynamic loader
    walls, rss = [], []
    for _ in range(runs):
        w, r = run_once(cmd)
        walls.append(w)
        rss.append(r)
    m = statistics.median(walls)
    print(f"  {label}: median {m:.3f} s of {runs} ({', '.join(f'{w:.3f}' for w in walls)}), peak RSS {max(rss) / 2**20:.0f} MiB",
          file=sys.stderr)
    return {"label": label, "median": m, "runs": walls, "rss": max(rss)}


def mib(b):
    return f"{b / 2**20:.0f} MiB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--payplan", required=True)
    ap.add_argument("--large", required=True, help="100k reps / 10M transactions")
    ap.add_argument("--medium", required=True, help="10k reps, for what-if")
    ap.add_argument("--period", default="2026-Q3")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--report", required=True)
    a = ap.parse_args()
    os.chdir(ROOT)
    tmp = os.path.join(ROOT, "Benchmarks", "data", "out")
    os.makedirs(tmp, exist_ok=True)
    plan = "rules/reference-plan.yaml"
    files = [os.path.join(a.large, f) for f in ("reps.csv", "products.csv", "targets.csv", "transactions.csv")]
    size = sum(os.path.getsize(f) for f in files)
    with open(os.path.join(a.large, "transactions.csv"), "rb") as f:
        tx = sum(1 for _ in f) - 1
    with open(os.path.join(a.large, "reps.csv"), "rb") as f:
        reps = sum(1 for _ in f) - 1

    payplan_csv = os.path.join(tmp, "payplan.csv")
    duck_csv = os.path.join(tmp, "duckdb.csv")
    run_cmd = [a.payplan, "run", plan, "--data", a.large, "--period", a.period, "--format", "csv", "--out", payplan_csv]
    duck = [a.python, "Benchmarks/duckdb_reference.py", a.large, a.period]
    quoted = " ".join(f"'{f}'" for f in files)

    print(f"benchmark: {reps} reps, {tx} transactions, {size / 1e6:.0f} MB of CSV, {a.runs} runs each", file=sys.stderr)
    results = {}
    results["payplan"] = measure("payplan run", run_cmd, a.runs)
    results["explain"] = measure("payplan run --explain", run_cmd + ["--explain", os.path.join(tmp, "explain.jsonl")], a.runs)
    results["payplan1"] = measure("payplan run --threads 1", run_cmd + ["--threads", "1"], a.runs)
    results["duck2"] = measure("duckdb 2 threads", duck + ["2", duck_csv], a.runs)
    agree2 = open(payplan_csv, "rb").read() == open(duck_csv, "rb").read()
    results["duck1"] = measure("duckdb 1 thread", duck + ["1", duck_csv], a.runs)
    agree1 = open(payplan_csv, "rb").read() == open(duck_csv, "rb").read()
    results["cat"] = measure("cat > /dev/null", f"cat {quoted} > /dev/null", a.runs)
    results["catpipe"] = measure("cat | cat > /dev/null", f"cat {quoted} | cat > /dev/null", a.runs)
    checks = {}
    for p in sorted(glob.glob("rules/*.yaml")):
        checks[p] = measure(f"check {p}", [a.payplan, "check", p], a.runs)
    whatif = measure(
        "whatif 10k reps",
        [a.payplan, "whatif", plan, "examples/candidate-plan.yaml", "--data", a.medium, "--period", a.period], a.runs)
    with open(os.path.join(a.medium, "transactions.csv"), "rb") as f:
        medium_tx = sum(1 for _ in f) - 1
    with open(os.path.join(a.medium, "reps.csv"), "rb") as f:
        medium_reps = sum(1 for _ in f) - 1
    explain_size = os.path.getsize(os.path.join(tmp, "explain.jsonl"))

    p, d2, d1 = results["payplan"]["median"], results["duck2"]["median"], results["duck1"]["median"]
    floor = results["catpipe"]["median"]
    lines = []
    lines.append(f"Machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}, "
                 f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM; "
                 f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    lines.append("")
    lines.append(f"Data: {reps:,} reps, {tx:,} transactions, {size / 1e6:.0f} MB of CSV (payplan-gen --seed 42); "
                 f"what-if on {medium_reps:,} reps / {medium_tx:,} transactions. Median of {a.runs} runs after a warm-up run.")
    lines.append("")
    lines.append("| command | median | runs | peak RSS |")
    lines.append("|---|---:|---|---:|")
    for r in list(results.values()) + list(checks.values()) + [whatif]:
        label = r["label"].replace("|", "\\|")  # a pipe inside a Markdown cell
        lines.append(f"| {label} | {r['median']:.3f} s | {', '.join(f'{w:.2f}' for w in r['runs'])} | {mib(r['rss'])} |")
    lines.append("")
    lines.append("| ratio | value | target |")
    lines.append("|---|---:|---:|")
    lines.append(f"| payplan / DuckDB (2 threads) | {p / d2:.2f} | ≤ 0.25 |")
    lines.append(f"| payplan / DuckDB (1 thread) | {p / d1:.2f} | |")
    lines.append(f"| payplan --threads 1 / DuckDB (1 thread) | {results['payplan1']['median'] / d1:.2f} | |")
    lines.append(f"| payplan / cat floor (cat \\| cat) | {p / floor:.2f} | ≤ 5 |")
    lines.append(f"| payplan / cat > /dev/null | {p / results['cat']['median']:.2f} | |")
    lines.append(f"| --explain / without | {results['explain']['median'] / p:.2f} ({explain_size / 1e6:.0f} MB of JSON Lines) | ≤ 1.5 |")
    lines.append(f"| slowest check | {max(c['median'] for c in checks.values()) * 1000:.0f} ms | < 50 ms |")
    lines.append(f"| what-if 10k reps | {whatif['median'] * 1000:.0f} ms | < 300 ms |")
    lines.append(f"| payplan peak RSS | {mib(max(results['payplan']['rss'], results['explain']['rss']))} | ≤ 1 GiB |")
    lines.append("")
    lines.append(f"payplan and DuckDB agree byte for byte: 2 threads {'yes' if agree2 else 'NO'}, 1 thread {'yes' if agree1 else 'NO'}.")
    report = "\n".join(lines) + "\n"
    with open(a.report, "w", encoding="utf-8") as f:
        f.write(report)
    print(report)
    if not (agree1 and agree2):
        sys.exit("payplan and DuckDB disagree: see Benchmarks/data/out/")


if __name__ == "__main__":
    main()
