#!/usr/bin/env python3
"""Times `payplan serve`: a parameter change answered after the first request.

Starts `payplan serve PLAN --data DIR --port 0`, waits for its URL line, then
over loopback (standard library only):

- the first what-if (waits for the data folder to be read and the plan in
  force to be evaluated: the cold start),
- what-ifs that change numbers the transaction scan does not read (the
  new-product threshold, a curve point, a team prize): each a new candidate,
  never a cached answer,
- one change that does alter the scan (a filter's number: the data is read
  again), for information,

and the server's peak resident memory. Prints a Markdown table.

    serve_bench.py PAYPLAN PLAN DATA [RUNS]
"""
import json
import re
import statistics
import subprocess
import sys
import time
import urllib.request


def main():
    payplan, plan, data = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    server = subprocess.Popen([payplan, "serve", plan, "--data", data, "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline().strip()
        m = re.match(r"(http://[^/]+/)\?token=(\S+)", line)
        if not m:
            raise SystemExit(f"no URL from payplan serve: {line!r} {server.stderr.read()}")
        root, token = m.group(1), m.group(2)
        started = time.monotonic()

        def whatif(changes, period=None):
            body = json.dumps({"period": period or default, "set": changes}).encode()
            request = urllib.request.Request(root + "api/whatif", data=body, method="POST",
                                             headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
            t = time.monotonic()
            with urllib.request.urlopen(request, timeout=600) as r:
                answer = json.loads(r.read())
            return time.monotonic() - t, answer

        request = urllib.request.Request(root + "api/periods", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=600) as r:
            periods = json.loads(r.read())
        default = periods["default"]
        first, answer = whatif({"rules.np_award.threshold": "45000"})
        cold = time.monotonic() - started
        rows = [("first what-if after start (reads the data, evaluates the plan in force)", [cold], answer)]
        cases = [
            ("new-product threshold", lambda k: {"rules.np_award.threshold": str(40000 + 1000 * k)}),
            ("curve point 3 pay", lambda k: {"rules.attainment_bonus.curve.points[3].pay": f"2.{10 + k}"}),
            ("first team prize", lambda k: {"rules.team_prize.prizes[1]": str(31000 + 500 * k)}),
        ]
        for name, change in cases:
            times = []
            for k in range(runs):
                seconds, answer = whatif(change(k))
                times.append(seconds)
            rows.append((f"{name}, {runs} different values", times, answer))
        seconds, answer = whatif({"filters.new_product.when": "product.launch_date > period.end - 200 and product.launch_date <= period.end"})
        rows.append(("a filter's number (the transactions are read again)", [seconds], answer))
        seconds2, _ = whatif({"filters.new_product.when": "product.launch_date > period.end - 200 and product.launch_date <= period.end",
                              "rules.np_award.threshold": "41000"})
        rows.append(("the same filter again, with another threshold (rescan kept)", [seconds2], answer))
        with open(f"/proc/{server.pid}/status") as f:
            peak = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) // 1024
        print(f"Data: {periods['data']['reps']:,} reps, {periods['data']['transactions']:,} transactions; period {default}.\n")
        print("| request | median | max | runs |")
        print("|---|---:|---:|---:|")
        for name, times, _ in rows:
            print(f"| {name} | {statistics.median(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms | {len(times)} |")
        print(f"\nserver peak RSS: {peak} MiB")
    finally:
        server.send_signal(2)
        try:
            code = server.wait(timeout=30)
            print(f"server stopped on SIGINT with exit status {code}")
        except subprocess.TimeoutExpired:
            server.kill()
            print("server did not stop on SIGINT")


if __name__ == "__main__":
    main()
