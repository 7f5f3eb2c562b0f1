#!/usr/bin/env python3
"""The period ledger benchmark, run by Benchmarks/ledger.sh.

Times, each as a child process end to end (median of --runs after one
untimed warm-up, peak RSS from wait4): `run` with and without `--explain`,
`close` with and without traces (a new ledger each time), `ledger show` of
the closed 100,000-rep period, and `run --ledger` of the next period; and
measures the ledger's size. Writes a Markdown report to --report."""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAN = os.path.join(ROOT, "rules", "reference-plan.yaml")


def run_once(cmd, before=None):
    if before:
        before()
    # stderr to a file: --skip-invalid lists thousands of reps, more than a pipe holds.
    with tempfile.TemporaryFile() as errfile:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errfile)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        errfile.seek(0)
        err = errfile.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"benchmark command failed ({code}): {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss * 1024


def measure(label, cmd, runs, before=None):
    run_once(cmd, before)
    walls, rss = [], []
    for _ in range(runs):
        w, r = run_once(cmd, before)
        walls.append(w)
        rss.append(r)
    m = statistics.median(walls)
    print(f"  {label}: median {m:.3f} s ({', '.join(f'{w:.2f}' for w in walls)}), peak RSS {max(rss) / 2**20:.0f} MiB", file=sys.stderr)
    return {"label": label, "median": m, "runs": walls, "rss": max(rss)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--payplan", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--report", required=True)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="payplan-ledger-bench-")
    ledger = os.path.join(tmp, "ledger.db")

    def remove_ledger():
        for suffix in ("", "-journal"):
            if os.path.exists(ledger + suffix):
                os.remove(ledger + suffix)

    # The generated company has reps without a target (transferred in): every
    # command leaves them out alike with --skip-invalid.
    base = [a.payplan, "run", PLAN, "--data", a.data, "--period", "2026-Q2", "--format", "csv", "--out", os.path.join(tmp, "out.csv"),
            "--skip-invalid"]
    close = [a.payplan, "close", PLAN, "--data", a.data, "--period", "2026-Q2", "--ledger", ledger, "--by", "bench", "--skip-invalid"]
    rows = [
        measure("run", base, a.runs),
        measure("run --explain", base + ["--explain", os.path.join(tmp, "explain.jsonl")], a.runs),
        measure("close --no-traces", close + ["--no-traces"], a.runs, remove_ledger),
    ]
    size_without = os.path.getsize(ledger)
    rows.append(measure("close (with traces)", close, a.runs, remove_ledger))
    size_with = os.path.getsize(ledger)
    explain_bytes = os.path.getsize(os.path.join(tmp, "explain.jsonl"))
    show = [a.payplan, "ledger", "show", "--ledger", ledger, "--period", "2026-Q2"]
    rows.append(measure("ledger show (table)", show, a.runs))
    rows.append(measure("ledger show --format csv", show + ["--format", "csv"], a.runs))
    rows.append(measure("ledger export --format xlsx", [a.payplan, "ledger", "export", "--ledger", ledger, "--format", "xlsx", "--out",
                                                        os.path.join(tmp, "payroll.xlsx")], a.runs))
    rows.append(measure("ledger verify", [a.payplan, "ledger", "verify", "--ledger", ledger], a.runs))
    q3 = [a.payplan, "run", PLAN, "--data", a.data, "--period", "2026-Q3", "--format", "csv", "--out", os.path.join(tmp, "q3.csv"),
          "--skip-invalid"]
    rows.append(measure("run 2026-Q3", q3, a.runs))
    rows.append(measure("run 2026-Q3 --ledger (Q2 closed)", q3 + ["--ledger", ledger], a.runs))
    by = {r["label"]: r for r in rows}
    tx = sum(1 for _ in open(os.path.join(a.data, "transactions.csv"), "rb")) - 1
    reps = sum(1 for _ in open(os.path.join(a.data, "reps.csv"), "rb")) - 1
    lines = [
        f"Machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"Data: {reps:,} reps, {tx:,} transactions over 2026-Q2 and 2026-Q3 (payplan-gen --seed 42); the period closed is 2026-Q2. "
        f"Median of {a.runs} runs after a warm-up run.",
        "",
        "| command | median | runs | peak RSS |",
        "|---|---:|---|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['label']} | {r['median']:.3f} s | {', '.join(f'{w:.2f}' for w in r['runs'])} | {r['rss'] / 2**20:.0f} MiB |")
    ratio = lambda x, y: by[x]["median"] / by[y]["median"]
    lines += [
        "",
        "| figure | value | target |",
        "|---|---:|---:|",
        f"| close --no-traces / run | {ratio('close --no-traces', 'run'):.2f} | ≤ 1.5 |",
        f"| close (with traces) / run | {ratio('close (with traces)', 'run'):.2f} | ≤ 2.5 |",
        f"| close (with traces) / run --explain | {ratio('close (with traces)', 'run --explain'):.2f} | |",
        f"| ledger show of the {reps:,}-rep period | {by['ledger show (table)']['median']:.3f} s | ≤ 1 s |",
        f"| ledger size per {reps:,}-rep period, with traces | {size_with / 2**20:.1f} MiB ({size_with / reps:.0f} bytes a rep; the JSON Lines are {explain_bytes / 2**20:.0f} MiB) | |",
        f"| ledger size per {reps:,}-rep period, without traces | {size_without / 2**20:.1f} MiB ({size_without / reps:.0f} bytes a rep) | |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    with open(a.report, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
