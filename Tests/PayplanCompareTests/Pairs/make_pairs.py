#!/usr/bin/env python3
"""Writes plan pairs for the semantic diff tests: each folder holds old.yaml,
new.yaml; expected.txt is recorded by the test (PAYPLAN_RECORD=1) and reviewed."""
import os, re, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
REF = open(os.path.join(ROOT, "rules", "reference-plan.yaml"), encoding="utf-8").read()
COMMISSION = open(os.path.join(ROOT, "rules", "commission-marginal.yaml"), encoding="utf-8").read()

def sub(text, old, new, count=1):
    assert old in text, old
    return text.replace(old, new, count)

REFORMATTED = """plan: "Reference plan"
label:
  zh: '参考激励方案'
  en: "Reference plan"
version: '2026.3'
currency: "CNY"
locale: zh
rounding:
    scale: 2
    mode: half_away_from_zero
period: quarter
population: {when: active_days > 0, require: [target.revenue > 0]}
filters:
  new_product: {label: {zh: 新产品, en: new product}, when: "product.launch_date > period.end - 180 and product.launch_date <= period.end"}
metrics:
  proration: {formula: active_days / period.days, label: {zh: 在岗比例, en: proration}}
  revenue: {formula: "sum(tx.amount)", label: {zh: 销售额, en: revenue}}
  collected: {formula: sum(tx.collected), label: {zh: 回款额, en: collected}}
  target: {formula: target.revenue, label: {zh: 销售目标, en: revenue target}}
  attainment: {formula: revenue/target, label: {zh: 目标完成率, en: attainment}}
  collection_rate:
    formula: |
      if revenue > 0
      then collected / revenue
      else 0
    label: {zh: 回款率, en: collection rate}
  np_revenue: {formula: sum(tx.amount where new_product), label: {zh: 新产品销售额, en: new-product revenue}}
rules:
  attainment_bonus:
    kind: attainment_bonus
    label: {zh: 业绩达成奖金, en: attainment bonus}
    base: rep.target_incentive * proration
    measure: attainment
    curve:
      points:
        - {at: 0.8, pay: 0.5}
        - {at: 1, pay: 1}
        - {at: 1.5, pay: 2}
      below: zero
      above: flat
    multipliers:
      - name: collection_factor
        label: {zh: 回款系数, en: collection factor}
        input: collection_rate
        band:
          hit: first
          rows:
            - {when: ">= 90%", value: 1}
            - {when: ">= 70%", value: 0.80}
            - {else: 0.5}
  np_award: {kind: product_award, label: {zh: 新产品突破奖励, en: new-product breakthrough award}, measure: np_revenue, threshold: 50000, at_threshold: counts, award: 2000, rate_above: 5%, cap: 20000, first_movers: {count: 3, award: 1000, running_total: sum(tx.amount where new_product)}}
  elimination:
    kind: elimination
    label: {zh: 不达标淘汰机制, en: performance review flag}
    measure: attainment
    exempt: period.end - rep.hire_date < 90
    below: 60%
    bottom: {share: 0.05, round: down, ties: include}
    levels: [warning, eliminate]
    none: none
  team_prize:
    kind: team_ranking
    label: {zh: 团队排名奖励, en: team ranking prize}
    group_by: rep.team
    score: sum(revenue) / sum(target)
    eligible: score >= 1 and members >= 3
    order: descending
    prizes: [30000, 20000, 10000]
    ties: share
    split: {pro_rata: "max(revenue, 0)", exclude: 'elimination.flag != "none"'}
total: {components: [attainment_bonus, np_award, np_award.first_mover, team_prize], cap: 3 * rep.target_incentive * proration}
output:
  - rep.rep_id
  - rep.name
  - rep.team
  - {column: attainment, value: attainment, decimals: 4}
  - attainment_bonus
  - np_award
  - {column: first_mover, value: np_award.first_mover}
  - team_prize
  - capped
  - total
  - {column: flag, value: elimination.flag}
"""

def reorder(text):
    # Move the rules section before metrics and swap two rules.
    head, rest = text.split("metrics:\n", 1)
    metrics, rest = rest.split("rules:\n", 1)
    rules, tail = rest.split("total:\n", 1)
    blocks = re.split(r"(?m)^(?=  \w+:\n    kind:)", rules)
    blocks = [b for b in blocks if b.strip()]
    blocks.reverse()
    return head + "rules:\n" + "".join(blocks) + "metrics:\n" + metrics + "total:\n" + tail

def rename_rule(text):
    return text.replace("np_award", "np_breakthrough")

def rename_metric(text):
    return re.sub(r"\bcollection_rate\b", "collect_ratio", text)

pairs = {
    "01-reformatted": (REF, REFORMATTED),
    "02-keys-reordered": (REF, reorder(REF)),
    "03-comments-changed": (REF, REF.replace("# Reference plan:", "# The reference plan, reviewed 2026-11:").replace("   # the gate: below 80 % pays nothing", "").replace("# Every number", "# Really: every number")),
    "04-number-spellings": (REF, sub(sub(sub(REF, "rate_above: 0.05", "rate_above: 5.0e-2"), "below: 0.60", "below: 60%"), "[\">= 0.90\", 1.0]", "[\">= 90%\", 1]")),
    "05-renamed-rule": (REF, rename_rule(REF)),
    "06-renamed-metric": (REF, rename_metric(REF)),
    "07-changed-tier-rate": (COMMISSION, sub(COMMISSION, "{from: 200000, rate: 3%}", "{from: 200000, rate: 3.5%}")),
    "08-changed-boundary-inclusivity": (COMMISSION, sub(COMMISSION, "      method: marginal\n      rows:\n        - {from: 0, rate: 1%}", "      method: marginal\n      on_boundary: lower\n      rows:\n        - {from: 0, rate: 1%}")),
    "09-added-rule": (REF, sub(REF, "total:\n", "  new_logo_spiff:\n    kind: formula\n    label: {zh: 新客户奖励, en: new-logo SPIFF}\n    value: 300 * count(tx where tx.amount > 100000)\n\ntotal:\n")),
    "10-removed-rule": (COMMISSION, sub(sub(COMMISSION, "  accelerator:\n    kind: commission\n    label: {zh: 累计加速奖, en: running-total accelerator}\n    amount: tx.amount\n    rate_on: running\n    shape: quarter_accelerator\n    floor: 0\n", ""), "components: [deal_commission, accelerator]", "components: [deal_commission]").replace("  - accelerator\n", "")),
    "11-changed-hit-policy": (REF, sub(REF, "        hit: first\n", "        hit: max\n")),
    "12-changed-rounding": (REF, sub(REF, "mode: half_away_from_zero}", "mode: half_even}")),
    "13-changed-tie-policy": (REF, sub(REF, "    ties: share\n", "    ties: {break_by: [sum(revenue)]}\n")),
    "14-changed-period-kind": (COMMISSION, sub(COMMISSION, "period: quarter", "period: month")),
    "15-changed-curve-point": (REF, sub(REF, "        - [1.50, 2.00]   # the accelerator tops out here", "        - [1.50, 2.20]")),
    "16-changed-bottom-share": (REF, sub(REF, "share: 5%", "share: 8%")),
    "17-changed-label": (REF, sub(REF, "label: {zh: 团队排名奖励, en: team ranking prize}", "label: {zh: 团队排名奖, en: team ranking prize}")),
    "18-output-columns": (REF, sub(REF, "  - capped\n  - total\n", "  - total\n  - capped\n  - {column: collection_rate, value: collection_rate, decimals: 4}\n")),
    "19-metric-formula": (REF, sub(REF, "formula: if revenue > 0 then collected / revenue else 0", "formula: if revenue > 0 then min(collected / revenue, 1) else 0")),
    "20-threshold-inclusivity": (REF, sub(REF, "at_threshold: counts", "at_threshold: does_not_count")),
    "21-curve-point-added": (REF, sub(REF, "        - [1.00, 1.00]\n", "        - [1.00, 1.00]\n        - [1.20, 1.50]\n")),
    "22-prize-changed-and-cap-added": (REF, sub(sub(REF, "prizes: [30000, 20000, 10000]", "prizes: [30000, 25000, 10000, 5000]"), "    rate_above: 0.05\n    cap: 20000\n", "    rate_above: 0.05\n    cap: 25000\n    gate: collection_rate >= 0.5\n")),
}

for name, (old, new) in pairs.items():
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "old.yaml"), "w", encoding="utf-8").write(old)
    open(os.path.join(d, "new.yaml"), "w", encoding="utf-8").write(new)
print(len(pairs), "pairs")
