#!/usr/bin/env python3
"""Builds the example company in this folder: reps.csv, targets.csv,
products.csv, transactions.csv for 2026-Q2 and 2026-Q3.

Every story the example tells is designed here and exact by construction:

- 20 reps in 4 teams, Chinese and Latin names;
- R19 is hired mid-quarter (2026-08-03) and R20 leaves (2026-08-20);
- credits (negative amounts) for returns;
- teams North and South tie exactly on team attainment (1.10) for 2nd place;
- R15, R01, then R07 and R03 cross 50,000 of new-product revenue; R07 and
  R03 cross on the same date (2026-08-05) and the deal id decides 3rd place;
- R12 is flagged in Q2 and Q3 (eliminate); R17 only in Q3 (warning);
- R01's total is cut by the plan cap.

Run: python3 examples/build_example_company.py  (rewrites the CSVs)
"""
import csv
import os
import random
from fractions import Fraction as F

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20260930)

TEAMS = {
    "East": ["R01", "R02", "R03", "R04", "R05"],
    "North": ["R06", "R07", "R08", "R09", "R10"],
    "South": ["R11", "R12", "R13", "R14", "R15"],
    "West": ["R16", "R17", "R18", "R19", "R20"],
}
NAMES = {
    "R01": "王芳", "R02": "Emma Chen", "R03": "李娜", "R04": "Lucas Wang", "R05": "张伟",
    "R06": "刘洋", "R07": "Olivia Liu", "R08": "陈静", "R09": "Noah Zhang", "R10": "杨磊",
    "R11": "赵敏", "R12": "Sophia Lin", "R13": "黄强", "R14": "Daniel Xu", "R15": "周杰",
    "R16": "吴霞", "R17": "Mia Zhao", "R18": "孙磊", "R19": "Ethan Gao", "R20": "郑洁",
}
REGION = {"East": "华东", "North": "华北", "South": "华南", "West": "西部"}
HIRE = {r: "2024-03-01" for r in NAMES}
HIRE.update({"R01": "2021-06-15", "R05": "2025-11-03", "R11": "2022-09-01", "R14": "2026-04-15",
             "R19": "2026-08-03", "R20": "2023-05-20", "R12": "2025-02-10"})
EXIT = {"R20": "2026-08-20"}
TI = {r: 20000 for r in NAMES}
TI.update({"R01": 25000, "R02": 22000, "R06": 24000, "R11": 24000, "R16": 22000, "R12": 18000,
           "R17": 18000, "R19": 15000, "R14": 16000})

# Per quarter: target, revenue, collection rate, new-product revenue.
Q3 = {
    # East: Σtarget 2,300,000, Σrevenue 2,990,000 → 1.30 (1st)
    "R01": (600000, 960000, F("0.95"), 480000),
    "R02": (500000, 675000, F("0.92"), F("49999.99")),
    "R03": (450000, 540000, F("0.88"), 120000),
    "R04": (400000, 420000, F("0.75"), 0),
    "R05": (350000, 395000, F("0.65"), 0),
    # North: Σtarget 2,000,000, Σrevenue 2,200,000 → 1.10 (tied 2nd)
    "R06": (500000, 625000, F("0.91"), 0),
    "R07": (450000, 517500, F("0.90"), 90000),
    "R08": (400000, 380000, F("0.70"), 0),
    "R09": (350000, 297500, F("0.69"), 0),
    "R10": (300000, 380000, F("0.96"), 0),
    # South: Σtarget 2,000,000, Σrevenue 2,200,000 → 1.10 (tied 2nd)
    "R11": (550000, 770000, F("0.93"), 65000),
    "R12": (400000, 208000, F("0.50"), 0),
    "R13": (450000, 495000, F("0.85"), 55000),
    "R14": (350000, 273000, F("0.90"), 0),
    "R15": (250000, 454000, F("0.97"), 200000),
    # West: Σtarget 1,550,000, Σrevenue 1,472,500 → 0.95 (not eligible)
    "R16": (450000, 405000, F("0.80"), 0),
    "R17": (400000, 232000, F("0.60"), 0),
    "R18": (350000, 350000, F("0.95"), 0),
    "R19": (150000, 105000, F("1.00"), 0),
    "R20": (200000, 380500, F("0.90"), 0),
}
Q2 = {
    "R01": (550000, 700000, F("0.94"), 60000), "R02": (480000, 500000, F("0.90"), 0),
    "R03": (430000, 410000, F("0.86"), 0), "R04": (380000, 400000, F("0.80"), 0),
    "R05": (300000, 250000, F("0.70"), 0), "R06": (480000, 520000, F("0.93"), 0),
    "R07": (430000, 440000, F("0.90"), 55000), "R08": (380000, 360000, F("0.72"), 0),
    "R09": (330000, F("181500"), F("0.66"), 0), "R10": (280000, 300000, F("0.95"), 0),
    "R11": (520000, 600000, F("0.92"), 0), "R12": (380000, 171000, F("0.55"), 0),
    "R13": (430000, 440000, F("0.88"), 0), "R14": (150000, 100000, F("0.90"), 0),
    "R15": (240000, 260000, F("0.96"), 0), "R16": (430000, 450000, F("0.81"), 0),
    "R17": (380000, 300000, F("0.70"), 0), "R18": None,  # transferred in: no Q2 target
    "R20": (300000, 310000, F("0.90"), 0),
}

# First-mover race in Q3: (date of the crossing deal, its deal id).
CROSSING = {
    "R15": ("2026-07-20", "D3-0710"),
    "R01": ("2026-08-01", "D3-0790"),
    "R07": ("2026-08-05", "D3-0815"),
    "R03": ("2026-08-05", "D3-0832"),
    "R11": ("2026-08-12", "D3-0870"),
    "R13": ("2026-09-20", "D3-0950"),
}

PRODUCTS = [
    ("P-CORE", "Core suite", "2023-01-01", "software"),
    ("P-SVC", "Services", "2022-06-01", "services"),
    ("P-EDGE", "Edge gateway", "2026-04-03", "hardware"),  # Q3: exactly E-180, not new
    ("P-NOVA", "Nova analytics", "2026-06-01", "software"),  # new in Q2 and Q3
    ("P-LUMA", "Luma devices", "2026-08-01", "hardware"),  # new in Q3
]
NEW_Q3 = ["P-NOVA", "P-LUMA"]
OLD = ["P-CORE", "P-SVC", "P-EDGE"]

QUARTER = {
    "Q2": ("2026-04-01", "2026-06-30"),
    "Q3": ("2026-07-01", "2026-09-30"),
}


def days(q):
    import datetime
    s, e = (datetime.date.fromisoformat(x) for x in QUARTER[q])
    return [(s + datetime.timedelta(d)).isoformat() for d in range((e - s).days + 1)]


def active(rep, day):
    return HIRE[rep] <= day and (rep not in EXIT or day <= EXIT[rep])


def split(total, parts):
    """`parts` positive cent amounts adding up exactly to `total`."""
    total = F(total)
    cuts = sorted(rng.uniform(0.1, 0.9) for _ in range(parts - 1))
    points = [F(0)] + [F(round(float(total) * c, 2)).limit_denominator(100) for c in cuts] + [total]
    return [points[i + 1] - points[i] for i in range(parts)]


def money(x):
    x = F(x)
    s = f"{x.numerator * 100 // x.denominator:d}"
    neg = x < 0
    cents = abs(x.numerator * 100) // x.denominator
    assert F(cents, 100) == abs(x), x
    s = f"{cents // 100}.{cents % 100:02d}"
    if s.endswith(".00"):
        s = s[:-3]
    return ("-" if neg else "") + s


deals = []
seq = {"Q2": 2000, "Q3": 1000}


def next_id(q):
    seq[q] += 1
    return f"D{q[1]}-{seq[q]:04d}"


def add(q, rep, day, product, amount, collected, deal=None):
    deals.append((deal or next_id(q), rep, day, product, money(amount), money(collected)))


for q, plan in (("Q2", Q2), ("Q3", Q3)):
    for rep, row in plan.items():
        if row is None:
            # Sales without a target still happen.
            ds = [d for d in days(q) if active(rep, d)]
            for amount in split(300000, 6):
                add(q, rep, rng.choice(ds), rng.choice(OLD), amount, amount)
            continue
        target, revenue, rate, np = row
        ds = [d for d in days(q) if active(rep, d)]
        lines = []  # (day, product, amount, deal)
        np = F(np)
        if np > 0:
            new_products = NEW_Q3 if q == "Q3" else ["P-NOVA"]
            if rep in CROSSING and q == "Q3":
                cross_day, cross_deal = CROSSING[rep]
                before = [d for d in ds if d < cross_day]
                after = [d for d in ds if d > cross_day]
                pre = F(40000)
                crossing = F(15000)
                rest = np - pre - crossing
                for amount in split(pre, 3):
                    lines.append((rng.choice(before), "P-NOVA", amount, None))
                product = "P-LUMA" if cross_day >= "2026-08-01" else "P-NOVA"
                lines.append((cross_day, product, crossing, cross_deal))
                if rest > 0:
                    parts = split(rest + 5000, 2)
                    for amount in parts:
                        lines.append((rng.choice(after), rng.choice(new_products), amount, None))
                    # A return after the crossing: the running total dips, the date stands.
                    lines.append((max(after), "P-NOVA", F(-5000), None))
            else:
                for amount in split(np, 3):
                    lines.append((rng.choice([d for d in ds if d >= "2026-06-01"]), "P-NOVA" if q == "Q2" else rng.choice(NEW_Q3), amount, None))
        other = F(revenue) - np
        credit = F(-(rng.randint(1, 4) * 1000)) if rep in ("R02", "R05", "R09", "R16") else F(0)
        for amount in split(other - credit, rng.randint(5, 9)):
            lines.append((rng.choice(ds), rng.choice(OLD), amount, None))
        if credit:
            lines.append((max(ds), "P-CORE", credit, None))
        # Collected: the rate applied to every positive deal, the last one
        # adjusted so the quarter's collected is exactly rate × revenue.
        want = rate * F(revenue)
        got = F(0)
        rows = []
        for day, product, amount, deal in lines:
            c = F(round(float(amount * rate), 2)).limit_denominator(100) if amount > 0 else amount
            rows.append([day, product, amount, c, deal])
            got += c
        rows[0][3] += want - got
        for day, product, amount, c, deal in rows:
            add(q, rep, day, product, amount, c, deal)

deals.sort(key=lambda d: (d[2], d[0]))
# Deal ids in date order, except the race deals whose ids are fixed above.
with open(os.path.join(HERE, "transactions.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["deal_id", "rep_id", "date", "product", "amount", "collected"])
    w.writerows(deals)

with open(os.path.join(HERE, "reps.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["rep_id", "name", "team", "region", "role", "hire_date", "exit_date", "target_incentive"])
    for team, members in TEAMS.items():
        for i, r in enumerate(members):
            w.writerow([r, NAMES[r], team, REGION[team], "manager" if i == 0 else "rep", HIRE[r], EXIT.get(r, ""), TI[r]])

with open(os.path.join(HERE, "targets.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["rep_id", "period", "revenue"])
    for q, plan in (("2026-Q2", Q2), ("2026-Q3", Q3)):
        for rep in NAMES:
            row = plan.get(rep)
            if row is not None:
                w.writerow([rep, q, money(row[0])])

with open(os.path.join(HERE, "products.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["product", "name", "launch_date", "category"])
    w.writerows(PRODUCTS)

print(f"{len(deals)} deals written")
