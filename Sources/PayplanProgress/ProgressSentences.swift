import PayplanCore
import PayplanEvaluator
import PayplanReports

/// Progress in sentences a rep understands, in English or Chinese.
extension ProgressReport {
    static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    /// `30 September` / `9月30日`.
    func day(_ d: CivilDate) -> String {
        let (_, m, day) = d.components
        return zh ? "\(m)月\(day)日" : "\(day) \(ProgressReport.months[m - 1])"
    }

    public func text() -> String {
        let r = request
        var out =
            zh
            ? "\(r.period) 进度，截至 \(day(r.asOf))（第 \(r.daysElapsed) 天，共 \(r.period.days) 天）\n\n"
            : "Progress in \(r.period) as of \(day(r.asOf)) (day \(r.daysElapsed) of \(r.period.days))\n\n"
        for rep in progress.reps { out += sentence(rep) + "\n" }
        out += "\n"
        for t in progress.teams { out += teamSentence(t) + "\n" }
        return out
    }

    /// One rep's progress: where it stands, where its pace leads, and the next step.
    public func sentence(_ r: RepProgress) -> String {
        let end = day(request.period.end)
        var s: String
        if zh {
            s = "\(r.id) \(r.name)（\(r.team)）：截至 \(day(request.asOf)) 销售额 \(formatter.money(r.revenueToDate))"
            if let a = r.attainmentToDate, let t = r.target { s += "，完成目标 \(formatter.money(t)) 的 \(percent(a))" }
            s += "。按当前进度，\(end) 预计完成 \(percent(r.projectedAttainment))，预计奖金 \(formatter.money(r.projectedPayout))。"
        } else {
            s = "\(r.id) \(r.name) (\(r.team)): \(formatter.money(r.revenueToDate)) so far"
            if let a = r.attainmentToDate, let t = r.target { s += ", \(percent(a)) of the \(formatter.money(t)) target" }
            s += ". At this pace: \(percent(r.projectedAttainment)) by \(end), paying \(formatter.money(r.projectedPayout))."
        }
        return s + (zh ? "" : " ") + stepSentence(r)
    }

    func stepSentence(_ r: RepProgress) -> String {
        let end = day(request.period.end)
        guard let n = r.next else {
            if !r.revenueToDate.isPositive {
                return zh ? "尚无销售额：第一笔成交即开始计算奖金进度。" : "No revenue yet: the first deal starts the count."
            }
            return zh ? "本期方案中已没有可通过增加销售额达到的加薪节点。" : "No further step of the plan raises pay with more revenue this period."
        }
        let b = n.breakpoint
        let what = valueWords(b)
        let at = value(b.at, of: b.measure)
        let reach = b.reachedAt ? at : (zh ? "超过 \(at)" : "above \(at)")
        let rule = ruleLabel(b.ruleName)
        if zh {
            return
                "到 \(end) 再完成 \(formatter.money(n.revenueNeeded)) 销售额，\(what)达到 \(reach)（\(rule)\(kindWords(b.kind))），奖金增加 \(formatter.money(n.gain))。"
        }
        return
            "\(formatter.money(n.revenueNeeded)) more by \(end) takes \(what) to \(reach) (\(rule) \(kindWords(b.kind))) and adds \(formatter.money(n.gain))."
    }

    func teamSentence(_ t: TeamProgress) -> String {
        if zh {
            return
                "团队 \(t.team)（\(t.reps) 人）：销售额 \(formatter.money(t.revenueToDate))，完成目标 \(formatter.money(t.target)) 的 \(percent(t.attainmentToDate))；按当前进度预计完成 \(percent(t.projectedAttainment))，预计奖金合计 \(formatter.money(t.projectedPayout))。"
        }
        return
            "Team \(t.team) (\(t.reps) reps): \(formatter.money(t.revenueToDate)), \(percent(t.attainmentToDate)) of the \(formatter.money(t.target)) target; at this pace \(percent(t.projectedAttainment)), paying \(formatter.money(t.projectedPayout)) in all."
    }
}
