#!/usr/bin/env python3
"""An independent implementation of the reference plan (rules/README.md §15), written
from the spec's text with Python's exact fractions and no code shared with
Payplan. Used to cross-check `payplan run rules/reference-plan.yaml` on the
example company and on generated data:

    python3 tools/oracle/reference_plan.py DATA_DIR 2026-Q3 > expected.csv

Output: the spec's result columns, one row per population rep, by rep_id.
Assumes valid data (Payplan's own tests cover data errors).
"""
import csv
import datetime as dt
import sys
from fractions import Fraction as F

D = dt.date.fromisoformat


def quarter(p):
    y, q = p.split("-Q")
    y, q = int(y), int(q)
    s = dt.date(y, 3 * q - 2, 1)
    e = (dt.date(y + (q == 4), (3 * q) % 12 + 1, 1)) - dt.timedelta(1)
    return s, e


def previous(p):
    y, q = p.split("-Q")
    y, q = int(y), int(q)
    return f"{y - 1}-Q4" if q == 1 else f"{y}-Q{q - 1}"


def round_half_away(x, places=2):
    x = F(x)
    scale = 10 ** places
    n = x * scale
    sign = -1 if n < 0 else 1
    a = abs(n)
    whole = a.numerator // a.denominator
    if a - whole >= F(1, 2):
        whole += 1
    return F(sign * whole, scale)


def fmt(x, places=2):
    x = round_half_away(x, places)
    neg = x < 0
    units = abs(x.numerator * 10 ** places // x.denominator)
    s = f"{units // 10 ** places}.{units % 10 ** places:0{places}d}"
    return ("-" if neg and units else "") + s


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def load(data):
    reps = {r["rep_id"]: r for r in read(f"{data}/reps.csv")}
    targets = {}
    for t in read(f"{data}/targets.csv"):
        targets[(t["rep_id"], t["period"])] = F(t["revenue"])
    products = {p["product"]: D(p["launch_date"]) for p in read(f"{data}/products.csv")}
    txs = read(f"{data}/transactions.csv")
    return reps, targets, products, txs


def period_values(reps, targets, products, txs, p, strict):
    s, e = quarter(p)
    days = (e - s).days + 1
    pop = {}
    for rid, r in reps.items():
        hire = D(r["hire_date"])
        exit_ = D(r["exit_date"]) if r["exit_date"] else None
        a = max(hire, s)
        b = min(exit_ or e, e)
        active = (b - a).days + 1 if b >= a else 0
        if active <= 0:
            continue
        t = targets.get((rid, p))
        if t is None or t <= 0:
            if strict:
                raise SystemExit(f"data error: rep {rid} has no target > 0 for {p}")
            continue
        pop[rid] = {"proration": F(active, days), "target": t, "revenue": F(0), "collected": F(0),
                    "np": F(0), "np_tx": []}
    for t in txs:
        d = D(t["date"])
        if not (s <= d <= e) or t["rep_id"] not in pop:
            continue
        v = pop[t["rep_id"]]
        amount = F(t["amount"])
        v["revenue"] += amount
        v["collected"] += F(t["collected"])
        launch = products[t["product"]]
        if e - dt.timedelta(180) < launch <= e:
            v["np"] += amount
            v["np_tx"].append((d, t["deal_id"], amount))
    for rid, v in pop.items():
        v["A"] = v["revenue"] / v["target"]
        v["C"] = v["collected"] / v["revenue"] if v["revenue"] > 0 else F(0)
    # elimination flags (this period only)
    nonexempt = [rid for rid in pop if (e - D(reps[rid]["hire_date"])).days >= 90]
    n = len(nonexempt)
    k = (F(5, 100) * n).numerator // (F(5, 100) * n).denominator
    ordered = sorted(nonexempt, key=lambda r: (pop[r]["A"], r.encode()))
    cutoff = pop[ordered[k - 1]]["A"] if k > 0 else None
    for rid in pop:
        pop[rid]["flagged"] = rid in nonexempt and (pop[rid]["A"] < F(6, 10) or (cutoff is not None and pop[rid]["A"] <= cutoff))
    return pop, s, e


def curve(a):
    if a < F(8, 10):
        return F(0)
    if a < 1:
        return F(1, 2) + (a - F(8, 10)) * F(5, 2)
    if a < F(3, 2):
        return 1 + (a - 1) * 2
    return F(2)


def collection_factor(c):
    if c >= F(9, 10):
        return F(1)
    if c >= F(7, 10):
        return F(8, 10)
    return F(1, 2)


def largest_remainder(total_cents, weights, keys):
    total_w = sum(weights)
    if total_w == 0:
        return [0] * len(weights)
    exact = [F(total_cents) * w / total_w for w in weights]
    floors = [x.numerator // x.denominator for x in exact]
    left = total_cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), keys[i].encode()))
    for i in order[:left]:
        floors[i] += 1
    return floors


def main(data, p):
    reps, targets, products, txs = load(data)
    pop, s, e = period_values(reps, targets, products, txs, p, strict=True)
    prev, _, _ = period_values(reps, targets, products, txs, previous(p), strict=False)
    out = {}
    for rid, v in pop.items():
        r = reps[rid]
        ti = F(r["target_incentive"])
        base = ti * v["proration"]
        v["bonus"] = round_half_away(base * curve(v["A"]) * collection_factor(v["C"]))
        v["breakthrough"] = v["np"] >= 50000
        v["np_award"] = round_half_away(min(2000 + F(5, 100) * (v["np"] - 50000), F(20000))) if v["breakthrough"] else F(0)
        flagged_prev = rid in prev and prev[rid]["flagged"]
        v["flag"] = ("eliminate" if flagged_prev else "warning") if v["flagged"] else "none"
        v["cap"] = 3 * ti * v["proration"]
    # first movers
    points = []
    for rid, v in pop.items():
        if not v["breakthrough"]:
            continue
        run = F(0)
        for d, deal, amount in sorted(v["np_tx"], key=lambda t: (t[0], t[1].encode())):
            run += amount
            if run >= 50000:
                points.append((d, deal.encode(), rid.encode(), rid))
                break
    points.sort()
    winners = {x[3] for x in points[:3]}
    for rid, v in pop.items():
        v["first_mover"] = F(1000) if rid in winners else F(0)
    # teams
    teams = {}
    for rid in pop:
        teams.setdefault(reps[rid]["team"], []).append(rid)
    scores = {}
    for team, members in teams.items():
        scores[team] = sum(pop[m]["revenue"] for m in members) / sum(pop[m]["target"] for m in members)
    eligible = sorted([t for t in teams if scores[t] >= 1 and len(teams[t]) >= 3], key=lambda t: (-scores[t], t.encode()))
    prizes = [30000, 20000, 10000]
    team_prize = {t: F(0) for t in teams}
    i = 0
    while i < len(eligible):
        j = i
        while j + 1 < len(eligible) and scores[eligible[j + 1]] == scores[eligible[i]]:
            j += 1
        tied = eligible[i:j + 1]
        pool = sum(prizes[k] for k in range(i, j + 1) if k < len(prizes))
        shares = largest_remainder(pool * 100, [1] * len(tied), tied)
        for t, cents in zip(tied, shares):
            team_prize[t] = F(cents, 100)
        i = j + 1
    for team, members in teams.items():
        members = sorted(members, key=lambda m: m.encode())
        weights = [max(pop[m]["revenue"], 0) if pop[m]["flag"] == "none" else F(0) for m in members]
        cents = largest_remainder(int(team_prize[team] * 100), weights, members)
        for m, c in zip(members, cents):
            pop[m]["team_prize"] = F(c, 100)
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["rep_id", "name", "team", "attainment", "attainment_bonus", "np_award", "first_mover", "team_prize", "capped", "total", "flag"])
    for rid in sorted(pop, key=lambda r: r.encode()):
        v = pop[rid]
        r = reps[rid]
        gross = v["bonus"] + v["np_award"] + v["first_mover"] + v["team_prize"]
        total = round_half_away(min(gross, v["cap"]))
        w.writerow([rid, r["name"], r["team"], fmt(v["A"], 4), fmt(v["bonus"]), fmt(v["np_award"]), fmt(v["first_mover"]),
                    fmt(v["team_prize"]), fmt(gross - total), fmt(total), v["flag"]])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
