#!/usr/bin/env python3
"""Writes the bad-plan fixtures: a small valid plan with one fault each.
The expected diagnostics (*.expected) are recorded by the test with
PAYPLAN_RECORD=1 and reviewed by hand."""
import os

BASE = """plan: Fixture
currency: CNY
rounding: {scale: 2, mode: half_away_from_zero}
period: quarter
metrics:
  revenue: sum(tx.amount)
  attainment: revenue / target.revenue
rules:
  bonus:
    kind: attainment_bonus
    base: rep.target_incentive
    measure: attainment
    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]
total:
  components: [bonus]
"""

def sub(old, new, base=BASE):
    assert old in base, old
    return base.replace(old, new, 1)

def add_rule(text):
    return BASE.replace("total:", text + "total:")

cases = {
    "unknown-top-level-key": sub("rounding:", "rouding:"),
    "misspelt-rule-key": add_rule("  award:\n    kind: product_award\n    measure: revenue\n    treshold: 50000\n    award: 2000\n"),
    "missing-plan-name": sub("plan: Fixture\n", ""),
    "missing-currency": sub("currency: CNY\n", ""),
    "bad-currency": sub("currency: CNY", "currency: yuan"),
    "unknown-rounding-mode": sub("half_away_from_zero", "half_awayfrom_zero"),
    "rounding-scale-not-a-number": sub("scale: 2", "scale: two"),
    "unknown-period-kind": sub("period: quarter", "period: weekly"),
    "duplicate-key": sub("  attainment: revenue", "  revenue: sum(tx.collected)\n  attainment: revenue"),
    "tab-indentation": sub("  revenue: sum", "\trevenue: sum"),
    "unclosed-quote": sub("sum(tx.amount)", "\"sum(tx.amount)"),
    "alias-bomb": BASE + "".join(
        f"x{i}: &x{i} [" + ", ".join([f"*x{i-1}"] * 10 if i else ["a"] * 10) + "]\n" for i in range(8)),
    "unknown-metric-name": sub("measure: attainment", "measure: atainment"),
    "unknown-function": sub("sum(tx.amount)", "summ(tx.amount)"),
    "money-plus-ratio": sub("base: rep.target_incentive", "base: rep.target_incentive + attainment"),
    "money-times-money": sub("base: rep.target_incentive", "base: rep.target_incentive * revenue"),
    "date-summed": sub("  revenue: sum(tx.amount)", "  revenue: sum(tx.amount)\n  last: sum(tx.date)"),
    "chained-comparison": add_rule("  gated:\n    kind: formula\n    value: 100\n    gate: 0.8 < attainment < 1.2\n"),
    "single-equals": add_rule("  gated:\n    kind: formula\n    value: 100\n    gate: attainment = 1\n"),
    "metric-cycle": sub("  attainment: revenue / target.revenue", "  attainment: revenue / pace\n  pace: attainment * 2"),
    "rule-cycle": sub("  attainment: revenue / target.revenue", "  attainment: revenue / target.revenue + bonus / rep.target_incentive"),
    "curve-not-increasing": sub("[[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]", "[[0.8, 0.5], [1.5, 2.0], [1.0, 1.0]]"),
    "curve-not-monotone": sub("[[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]", "[[0.8, 0.5], [1.0, 1.2], [1.5, 1.0]]"),
    "band-unique-overlap": sub("    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]",
        "    band:\n      hit: unique\n      rows:\n        - [\">= 0.8\", 1.0]\n        - [\">= 1.0\", 1.5]\n        - [\"< 0.8\", 0]"),
    "band-masked-row": sub("    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]",
        "    band:\n      rows:\n        - [\">= 0.8\", 1.0]\n        - [\">= 1.0\", 1.5]\n        - [else, 0]"),
    "band-gap": sub("    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]",
        "    band:\n      rows:\n        - [\"< 0.8\", 0]\n        - [\"(0.8, 1.0]\", 1.0]\n        - [\"> 1.0\", 1.5]"),
    "tier-boundary-claimed-twice": sub("    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]",
        "    tiers:\n      method: retroactive\n      rows:\n        - {from: 0, to: 1.0, rate: 0.5}\n        - {from: 0.9, rate: 1.0}"),
    # A bounded last retroactive tier is allowed (values above it pay 0); in
    # its place, a tier pattern whose rates fall.
    "tier-pattern-rates-falling": sub("    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]",
        "    tiers:\n      method: retroactive\n      rows:\n        - {from: 0, every: 0.2, rate: 0.8, step: -0.1, max_rate: 0.5}"),
    "tier-rate-and-amount": sub("    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]",
        "    tiers:\n      method: marginal\n      rows:\n        - {from: 0, rate: 0.5, amount: 10}"),
    "unused-metric": sub("  attainment: revenue", "  collected: sum(tx.collected)\n  attainment: revenue"),
    "yes-where-boolean-expected": sub("    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]", "    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]\n    round: yes"),
    "yes-in-a-formula": add_rule("  gated:\n    kind: formula\n    value: 100\n    gate: yes\n"),
    "money-with-exponent": add_rule("  award:\n    kind: product_award\n    measure: revenue\n    threshold: 5e4\n    award: 2000\n"),
    "optional-column-without-fallback": sub("  attainment: revenue", "  left_on: rep.exit_date - period.start\n  attainment: revenue"),
    "transaction-value-outside-aggregate": sub("  attainment: revenue / target.revenue", "  attainment: tx.amount / target.revenue"),
    "unknown-rule-kind": sub("kind: attainment_bonus", "kind: attainment_bonuses"),
    "split-with-two-methods": add_rule(
        "  prize:\n    kind: team_ranking\n    group_by: rep.team\n    score: sum(revenue)\n    prizes: [1000]\n    split: {equal: true, pro_rata: revenue}\n"),
    "elimination-flags-nobody": add_rule("  flag:\n    kind: elimination\n    measure: attainment\n    levels: [warning]\n"),
    "misspelt-flag-level": add_rule(
        "  flag:\n    kind: elimination\n    measure: attainment\n    below: 0.6\n    levels: [warning]\n  prize:\n    kind: team_ranking\n    group_by: rep.team\n    score: sum(revenue)\n    prizes: [1000]\n    split: {equal: true, exclude: flag.flag != \"nonee\"}\n"),
    "total-names-unknown-rule": sub("components: [bonus]", "components: [bonus, bonsu]"),
    "total-names-a-flag": sub("components: [bonus]", "components: [bonus, flag]").replace("total:", "  flag:\n    kind: elimination\n    measure: attainment\n    below: 0.6\n    levels: [warning]\ntotal:"),
    "duplicate-output-column": BASE + "output:\n  - rep.rep_id\n  - bonus\n  - {column: bonus, value: total}\n",
    "reserved-metric-name": sub("  revenue: sum(tx.amount)", "  revenue: sum(tx.amount)\n  period: 1"),
    "name-used-twice": sub("  revenue: sum(tx.amount)", "  revenue: sum(tx.amount)\n  bonus: 1"),
    "unknown-rep-column": sub("base: rep.target_incentive", "base: rep.target_incentiv"),
    "unknown-rule-result": add_rule("  award:\n    kind: product_award\n    measure: revenue\n    threshold: 50000\n    award: 2000\n  extra:\n    kind: formula\n    value: award.firstmover\n"),
    "state-without-effective-start": sub("  attainment: revenue / target.revenue",
        "  attainment: revenue / target.revenue\n  balance: previous(balance, 0) + revenue"),
    "matrix-given-one-input": BASE.replace("metrics:", "shapes:\n  grid:\n    matrix:\n      rows: {bands: [\"< 1\", \">= 1\"]}\n      columns: {bands: [\"< 1\", \">= 1\"]}\n      values: [[0, 1], [1, 2]]\nmetrics:").replace(
        "    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]", "    shape: grid"),
    "filter-reads-a-metric": BASE.replace("metrics:", "filters:\n  big: tx.amount > revenue\nmetrics:").replace("sum(tx.amount)", "sum(tx.amount where big)"),
    "group-score-reads-a-metric-directly": add_rule(
        "  prize:\n    kind: team_ranking\n    group_by: rep.team\n    score: revenue\n    prizes: [1000]\n    split: equal\n"),
    "ratio-as-base": sub("base: rep.target_incentive", "base: attainment"),
    "empty-file": "",
    "plan-is-a-list": "- plan: Fixture\n- currency: CNY\n",
    "formula-in-a-table": sub("[[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]", "[[0.8, 0.5], [1.0, attainment], [1.5, 2.0]]"),
    "where-on-a-plain-function": sub("  attainment: revenue / target.revenue", "  attainment: max(revenue, 0 where tx.amount > 0) / target.revenue"),
    "several-problems-at-once": sub("measure: attainment", "measure: atainment").replace("base: rep.target_incentive", "base: rep.target_incentive * attainmnt").replace("components: [bonus]", "components: [bonus, bonsu]"),
    "formula-error-inside-quoted-scalar": sub("  attainment: revenue / target.revenue", "  attainment: \"revenue / (target.revenue\""),
    "formula-error-inside-block-scalar": sub("  attainment: revenue / target.revenue", "  attainment: |\n    if revenue > 0\n    then revenue / target.revenue\n    otherwise 0"),
    "deep-nesting": "plan: " + "[" * 200 + "]" * 200 + "\n",
    "leading-zero-warning": sub("[[0.8, 0.5]", "[[0.8, 0.50], [0.9, 0.75]").replace("[1.5, 2.0]]", "[1.5, 2.0]]\n    cap: 010000"),
    "bottom-share-over-100": add_rule("  flag:\n    kind: elimination\n    measure: attainment\n    bottom: {share: 150%}\n    levels: [warning]\n"),
    # A percentage is a ratio everywhere: never money on its own.
    "percent-as-total-cap": sub("components: [bonus]", "components: [bonus]\n  cap: 300%"),
    "percent-as-award-and-threshold": add_rule("  award:\n    kind: product_award\n    measure: revenue\n    threshold: 5%\n    award: 50%\n"),
    "percent-as-prize": add_rule("  prize:\n    kind: team_ranking\n    group_by: rep.team\n    score: sum(revenue)\n    prizes: [30000, 10%]\n    split: equal\n"),
    "percent-compared-with-money": sub("  attainment: revenue / target.revenue", "  attainment: if revenue > 5% then revenue / target.revenue else 0"),
    "money-finer-than-rounding": add_rule("  prize:\n    kind: team_ranking\n    group_by: rep.team\n    score: sum(revenue)\n    prizes: [30000.005]\n    split: equal\n"),
    "negative-cap": sub("    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]", "    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]\n    cap: -5"),
    "floor-above-cap": sub("components: [bonus]", "components: [bonus]\n  cap: 1000\n  floor: 2000"),
    # Recursion at the limits: a chain of operators as deep as a formula may
    # nest, and one deeper; 2,000 metrics defined in reverse order of use, and
    # in a cycle.
    "operator-chain-over-the-depth-limit": sub("  attainment: revenue", "  long: \"" + " + ".join(["revenue"] * 101) + "\"\n  attainment: revenue"),
    "metrics-in-a-cycle-of-2000": sub("  attainment: revenue", "\n".join(f"  m{i}: m{(i + 1) % 1998} * 1" for i in range(1998)) + "\n  attainment: revenue"),
    # The constructs of issue 14.
    "over-outside-an-aggregate": sub("  attainment: revenue", "  company: revenue over company\n  attainment: revenue"),
    "aggregate-over-reps-in-a-filter": sub("metrics:", "filters:\n  big: tx.amount > avg(revenue over company)\nmetrics:"),
    "team-aggregate-in-a-group-formula": add_rule("  prize:\n    kind: team_ranking\n    group_by: rep.team\n    score: sum(revenue over rep.team)\n    prizes: [1000]\n    split: equal\n"),
    "aggregate-over-reps-nested": sub("  attainment: revenue", "  share: revenue / sum(sum(revenue over rep.team) over company)\n  attainment: revenue"),
    "shape-in-a-transaction-formula": sub("rules:", "shapes:\n  uplift: {curve: [[0, 1], [100000, 1.2]]}\nrules:\n  deal:\n    kind: commission\n    amount: tx.amount * uplift(tx.amount)\n    tiers: {method: marginal, rows: [{from: 0, rate: 1%}]}"),
    "tier-pattern-without-step": sub("    curve: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]",
        "    tiers:\n      method: marginal\n      rows:\n        - {from: 0, every: 0.2, rate: 0.5, max_rate: 1.0}"),
    "pool-without-split": add_rule("  pool:\n    kind: pool\n    pot: 2% * sum(revenue)\n"),
    "pool-split-misspelt": add_rule("  pool:\n    kind: pool\n    pot: 2% * sum(revenue)\n    qualifies: attainment >= 1\n    split: equall\n"),
    "pool-pot-a-percentage": add_rule("  pool:\n    kind: pool\n    pot: 2%\n    split: equal\n"),
    "prizes-by-formula-without-unclaimed": add_rule("  prize:\n    kind: team_ranking\n    group_by: rep.team\n    score: sum(revenue) / sum(target.revenue)\n    pot: 1% * sum(revenue)\n    prizes: [50% * pot, 30% * pot]\n    split: equal\n"),
    "pot-no-prize-reads": add_rule("  prize:\n    kind: team_ranking\n    group_by: rep.team\n    score: sum(revenue) / sum(target.revenue)\n    pot: 1% * sum(revenue)\n    prizes: [5000, 3000]\n    unclaimed: not_paid\n    split: equal\n"),
    "pot-outside-prizes": add_rule("  prize:\n    kind: team_ranking\n    group_by: rep.team\n    score: sum(revenue) / sum(target.revenue)\n    eligible: pot > 0\n    pot: 1% * sum(revenue)\n    prizes: [50% * pot]\n    unclaimed: not_paid\n    split: equal\n"),
    "rate-table-row-with-rate-and-amount": add_rule("  deal:\n    kind: commission\n    amount: tx.amount\n    rates:\n      - {when: product.category == \"hw\", rate: 5%, amount: 200}\n      - {when: else, rate: 1%}\n"),
    "rate-table-running": add_rule("  deal:\n    kind: commission\n    amount: tx.amount\n    rate_on: running\n    rates:\n      - {when: else, rate: 1%}\n"),
    "rate-table-misspelt-column": add_rule("  deal:\n    kind: commission\n    amount: tx.amount\n    rates:\n      - {when: product.categry == \"hw\", rate: 5%}\n"),
    "rate-table-row-after-true": add_rule("  deal:\n    kind: commission\n    amount: tx.amount\n    rates:\n      - {when: product.category == \"hw\", rate: 5%}\n      - {when: true, rate: 1%}\n      - {when: tx.amount > 0, rate: 2%}\n"),
    "streak-after-zero": add_rule("  review:\n    kind: elimination\n    measure: revenue\n    below: 30000\n    after: 0\n    levels: [eliminate]\n"),
    "credits-reverse-on-the-total": add_rule("  deal:\n    kind: commission\n    amount: tx.amount\n    rate_on: total\n    credits: reverse\n    tiers: {method: marginal, rows: [{from: 0, rate: 1%}]}\n"),
    "credits-rated-alone-on-tiers-from-zero": add_rule("  deal:\n    kind: commission\n    amount: tx.amount\n    rate_on: each\n    tiers: {method: retroactive, rows: [{from: 0, rate: 10%}, {from: 10000, rate: 12%}]}\n"),
    "active-weights-not-adding-up": sub("  attainment: revenue", "  quota: target.revenue * active_weight(30%, 30%, 30%)\n  attainment: revenue / quota"),
}

here = os.path.dirname(os.path.abspath(__file__))
for i, (name, text) in enumerate(cases.items(), 1):
    with open(os.path.join(here, "bad", f"{i:02d}-{name}.yaml"), "w", encoding="utf-8") as f:
        f.write(text)
print(len(cases), "fixtures")
