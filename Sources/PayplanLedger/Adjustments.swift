import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLanguage
import PayplanReports
import PayplanRules

/// A prior-period adjustment: what a closed period paid a rep, what it
/// comes to with the data as it is today, and the difference, paid (or
/// recovered) in the period being run.
public struct PriorAdjustment: Sendable, Equatable {
    public var repID: String
    public var period: String
    public var forCloseID: Int64
    /// What the close paid, and adjustments for it paid by later closes.
    public var closedTotal: Exact
    public var adjustedBefore: Exact
    public var recomputed: Exact
    public var amount: Exact
    /// Why, in each language ("deal D7 changed from 9,000 to 18,000 on transactions.csv:88").
    public var causeEN: String
    public var causeZH: String

    public var paidBefore: Exact { (try? closedTotal + adjustedBefore) ?? closedTotal }

    /// The whole sentence: "2026-Q2 paid ¥12,000.00; with the data as it is
    /// today it comes to ¥12,450.00: +¥450.00, because …".
    public func sentence(_ language: Language, _ f: PayplanEvaluator.Formatter) -> String {
        let paid = f.money(paidBefore)
        let delta = Money.signed(amount, f)
        switch language {
        case .en:
            let before =
                adjustedBefore.isZero ? "" : " (\(f.money(closedTotal)) when closed, \(Money.signed(adjustedBefore, f)) adjusted since)"
            return "\(period) paid \(paid)\(before); with the data as it is today it comes to \(f.money(recomputed)): \(delta), because \(causeEN)"
        case .zh:
            let before = adjustedBefore.isZero ? "" : "（结账时 \(f.money(closedTotal))，其后已调整 \(Money.signed(adjustedBefore, f))）"
            let space = causeZH.first?.isASCII == true ? " " : ""
            return "\(period) 已发 \(paid)\(before)；按今天的数据应为 \(f.money(recomputed))：\(delta)，因为\(space)\(causeZH)"
        }
    }
}

/// A closed period could not be recomputed with today's data.
public struct RecomputeFailure: Error, Sendable {
    public var message: String
    public var exitCode: Int32
}

/// Recomputes each closed period with today's data (under the plan it was
/// closed with, history from the ledger) and compares with what was paid.
public enum Adjustments {
    public static func compute(
        _ store: LedgerStore, planName: String, running period: Period, directory: String, threads: Int
    ) throws(RecomputeFailure) -> [PriorAdjustment] {
        let closes: [CloseInfo]
        do {
            closes = try store.inForce(plan: planName).filter { $0.periodOrdinal < period.ordinal }
        } catch {
            throw RecomputeFailure(message: error.description, exitCode: error.exitCode)
        }
        var hashCache: [String: DataFileHash?] = [:]
        var stale: [CloseInfo] = []
        var out: [PriorAdjustment] = []
        for close in closes {
            let files = (try? store.dataFiles(close.id)) ?? []
            let unchanged = files.allSatisfy { f in
                if hashCache[f.file] == nil {
                    hashCache[f.file] = DataSnapshot.hash(directory.hasSuffix("/") ? directory + f.file : directory + "/" + f.file, name: f.file)
                }
                return hashCache[f.file]! == f
            }
            if unchanged && !files.isEmpty {
                // Same plan, same files, same recorded history: the
                // recomputation is what was closed; only earlier
                // adjustments, if any, are taken back.
                out += try reversals(store, planName, close)
            } else {
                stale.append(close)
            }
        }
        // One data read per plan text the stale closes ran.
        var groups: [String: [CloseInfo]] = [:]
        for c in stale { groups[c.fingerprint, default: []].append(c) }
        for fingerprint in groups.keys.sorted() {
            out += try recompute(store, planName, groups[fingerprint]!, directory: directory, threads: threads)
        }
        return out.sorted { ($0.period, $0.repID) < ($1.period, $1.repID) }
    }

    static func reversals(_ store: LedgerStore, _ planName: String, _ close: CloseInfo) throws(RecomputeFailure) -> [PriorAdjustment] {
        do {
            let earlier = try store.adjustmentsPaid(plan: planName, for: close.period)
            if earlier.isEmpty { return [] }
            let totals = try store.totals(close.id)
            return earlier.keys.sorted().compactMap { rep in
                let before = Money.sum(earlier[rep]!.map(\.amount))
                let closed = totals[rep]?.total ?? .zero
                guard !before.isZero, let amount = try? Exact.zero - before else { return nil }
                return PriorAdjustment(
                    repID: rep, period: close.period, forCloseID: close.id, closedTotal: closed, adjustedBefore: before, recomputed: closed,
                    amount: amount, causeEN: "the data is again as it was when \(close.period) was closed",
                    causeZH: "数据已恢复为 \(close.period) 结账时的样子")
            }
        } catch {
            throw RecomputeFailure(message: error.description, exitCode: error.exitCode)
        }
    }

    static func recompute(
        _ store: LedgerStore, _ planName: String, _ group: [CloseInfo], directory: String, threads: Int
    ) throws(RecomputeFailure) -> [PriorAdjustment] {
        let source: (file: String, source: String, columns: String, carried: String)
        do { source = try store.planSource(group[0].id) } catch { throw RecomputeFailure(message: error.description, exitCode: error.exitCode) }
        let load = PlanPipeline.load(text: source.source, file: source.file)
        guard let checked = load.checked, !load.hasErrors, let compiled = Compiler.compile(checked).0 else {
            throw RecomputeFailure(
                message: "error: the plan \(group[0].period) was closed with no longer compiles with this payplan; no adjustment can be computed",
                exitCode: 4)
        }
        var periods = Set<Int>()
        for c in group {
            if case .success(let list) = Evaluator.periods(for: compiled, running: Period(c.period)!) { periods.formUnion(list.map(\.ordinal)) }
        }
        let kind = compiled.plan.period.value
        let loaded = DataLoader.load(
            directory: directory, plan: compiled, periods: periods.sorted().map { Period(kind: kind, ordinal: $0) }, threads: threads)
        // Problems that name no rep stop; a rep with bad data is left out,
        // and must not have been paid in the period (checked below).
        let fatal = loaded.problems.filter { $0.repID == nil }
        guard let data = loaded.data, fatal.isEmpty else {
            throw unreadable(loaded.problems.map(\.diagnostic), group.map(\.period))
        }
        var excluded: [Int: DataProblem] = [:]
        for p in loaded.problems { if let id = p.repID, let rep = data.repIndex(id), excluded[rep] == nil { excluded[rep] = p } }
        var out: [PriorAdjustment] = []
        for close in group {
            out += try differences(store, planName, close, compiled, data, excluded: excluded, directory: directory, threads: threads)
        }
        return out
    }

    static func unreadable(_ diagnostics: [Diagnostic], _ periods: [String]) -> RecomputeFailure {
        let text = DiagnosticRenderer(sources: SourceTexts()).text(Diagnostic.sorted(diagnostics))
        return RecomputeFailure(
            message: text
                + "error: the closed period\(periods.count == 1 ? "" : "s") \(periods.joined(separator: ", ")) cannot be recomputed with today's data, so no adjustment can be computed; nothing was written. Fix the data.\n",
            exitCode: 3)
    }

    /// One closed period: recompute, compare, explain.
    static func differences(
        _ store: LedgerStore, _ planName: String, _ close: CloseInfo, _ plan: CompiledPlan, _ data: DataSet, excluded: [Int: DataProblem],
        directory: String, threads: Int
    ) throws(RecomputeFailure) -> [PriorAdjustment] {
        let period = Period(close.period)!
        let result: EvaluationResult
        do {
            let recorded = try LedgerHistory.recorded(store, planName: planName, plan: plan, running: period)
            // Reps the recomputation cannot pay are left out (--skip-invalid);
            // one that was paid in the close stops it, below.
            let options = EvaluationOptions(
                threads: threads, skipInvalid: true, recordedHistory: LedgerHistory.hook(recorded, plan: plan, data: data))
            result = try Evaluator.evaluate(plan: plan, data: data, period: period, options: options, excluded: Set(excluded.keys))
        } catch let e as LedgerProblem {
            throw RecomputeFailure(message: e.description, exitCode: e.exitCode)
        } catch let e as EvaluationFailure {
            throw RecomputeFailure(message: "\(e.description)\nerror: \(close.period) cannot be recomputed; nothing was written\n", exitCode: 4)
        } catch {
            throw RecomputeFailure(message: "\(error)", exitCode: 4)
        }
        if !result.problems.isEmpty { throw unreadable(result.problems.map(\.diagnostic), [close.period]) }
        let shape = PlanShape(plan)
        var now: [String: Exact] = [:]
        for rep in result.current.population { now[data.repIDs[rep]] = shape.total(result.current, rep) }
        let closed: [String: (total: Exact, inPopulation: Bool)]
        let earlier: [String: [(period: String, amount: Exact)]]
        do {
            closed = try store.totals(close.id)
            earlier = try store.adjustmentsPaid(plan: planName, for: close.period)
        } catch {
            throw RecomputeFailure(message: error.description, exitCode: error.exitCode)
        }
        // A rep paid in the close whose data is bad today: no adjustment on bad data.
        var bad: [Diagnostic] = []
        for (rep, problem) in excluded.sorted(by: { $0.key < $1.key }) where closed[data.repIDs[rep]]?.inPopulation == true {
            bad.append(problem.diagnostic)
        }
        for s in result.skipped where closed[s.repID]?.inPopulation == true {
            bad.append(
                Diagnostic(
                    .error, DataCode.noTargetRow,
                    "rep \(s.repID) was paid in \(close.period) but cannot be now: \(s.reasons.joined(separator: "; "))", at: nil))
        }
        if !bad.isEmpty { throw unreadable(bad, [close.period]) }
        var changed: [PriorAdjustment] = []
        for rep in Set(now.keys).union(closed.keys).union(earlier.keys) {
            let closedTotal = closed[rep].map { $0.inPopulation ? $0.total : .zero } ?? .zero
            let before = Money.sum((earlier[rep] ?? []).map(\.amount))
            let recomputed = now[rep] ?? .zero
            guard let paid = try? closedTotal + before, let amount = try? recomputed - paid, !amount.isZero else { continue }
            changed.append(
                PriorAdjustment(
                    repID: rep, period: close.period, forCloseID: close.id, closedTotal: closedTotal, adjustedBefore: before, recomputed: recomputed,
                    amount: amount, causeEN: "", causeZH: ""))
        }
        if changed.isEmpty { return [] }
        let causes = Causes.find(
            store, close, plan: plan, directory: directory, reps: changed.map(\.repID), inPopulationNow: Set(now.keys),
            inPopulationThen: Set(closed.filter { $0.value.inPopulation }.keys))
        for i in changed.indices {
            let c = causes[changed[i].repID] ?? ("the data changed", "数据有变动")
            changed[i].causeEN = c.en
            changed[i].causeZH = c.zh
        }
        return changed
    }
}

/// Finds why a closed period's pay changed for a rep: its own deals first
/// (changed, added, removed lines), then its membership, then other files.
enum Causes {
    static func find(
        _ store: LedgerStore, _ close: CloseInfo, plan: CompiledPlan, directory: String, reps: [String], inPopulationNow: Set<String>,
        inPopulationThen: Set<String>
    ) -> [String: (en: String, zh: String)] {
        let period = Period(close.period)!
        let txFile = plan.plan.data.transactions.file
        let old = (try? store.deals(close.id, reps: reps)) ?? [:]
        let new = DataSnapshot.scanDeals(DataSnapshot.path(directory, plan.plan.data.transactions), period: period, reps: Set(reps))
        let recordedFiles = (try? store.dataFiles(close.id)) ?? []
        let changedFiles = recordedFiles.filter { f in
            DataSnapshot.hash(directory.hasSuffix("/") ? directory + f.file : directory + "/" + f.file, name: f.file) != f
        }.map(\.file)
        var out: [String: (String, String)] = [:]
        for rep in reps {
            var en: [String] = []
            var zh: [String] = []
            if inPopulationThen.contains(rep) && !inPopulationNow.contains(rep) {
                en.append("\(rep) is no longer in the \(close.period) population")
                zh.append("\(rep) 已不在 \(close.period) 的计奖名单中")
            } else if !inPopulationThen.contains(rep) && inPopulationNow.contains(rep) {
                en.append("\(rep) is now in the \(close.period) population")
                zh.append("\(rep) 现已在 \(close.period) 的计奖名单中")
            }
            let (e, z) = dealChanges(old[rep] ?? [], new[rep] ?? [], file: txFile)
            en += e
            zh += z
            if en.isEmpty {
                let others = changedFiles.filter { $0 != txFile }
                if !others.isEmpty {
                    en.append("\(others.joined(separator: ", ")) changed")
                    zh.append("\(others.joined(separator: "、")) 有变动")
                } else {
                    en.append("other reps' deals in \(txFile) changed (rankings and prizes shared among reps depend on them)")
                    zh.append("其他人员在 \(txFile) 中的交易有变动（排名和共享奖金取决于它们）")
                }
            }
            out[rep] = (en.joined(separator: "; "), zh.joined(separator: "；"))
        }
        return out
    }

    /// Changed, added and removed lines, by deal id (the first three, then a count).
    static func dealChanges(_ old: [DealLine], _ new: [DealLine], file: String) -> ([String], [String]) {
        var oldByDeal: [String: DealLine] = [:]
        for l in old { oldByDeal[l.deal] = l }
        var newByDeal: [String: DealLine] = [:]
        for l in new { newByDeal[l.deal] = l }
        var en: [String] = []
        var zh: [String] = []
        for l in new {
            if let o = oldByDeal[l.deal] {
                guard o.hash != l.hash else { continue }
                if o.amount != l.amount {
                    en.append("deal \(l.deal) changed from \(number(o.amount)) to \(number(l.amount)) on \(file):\(l.line)")
                    zh.append("交易 \(l.deal) 的金额由 \(number(o.amount)) 改为 \(number(l.amount))（\(file):\(l.line)）")
                } else {
                    en.append("deal \(l.deal) changed on \(file):\(l.line)")
                    zh.append("交易 \(l.deal) 有改动（\(file):\(l.line)）")
                }
            } else {
                en.append("deal \(l.deal) of \(number(l.amount)) was added on \(file):\(l.line)")
                zh.append("新增交易 \(l.deal)，金额 \(number(l.amount))（\(file):\(l.line)）")
            }
        }
        for o in old where newByDeal[o.deal] == nil {
            en.append("deal \(o.deal) of \(number(o.amount)) (was \(file):\(o.line)) was removed")
            zh.append("交易 \(o.deal)（金额 \(number(o.amount))，原 \(file):\(o.line)）已删除")
        }
        if en.count > 3 {
            let more = en.count - 3
            return (Array(en.prefix(3)) + ["and \(more) more line\(more == 1 ? "" : "s")"], Array(zh.prefix(3)) + ["另有 \(more) 行"])
        }
        return (en, zh)
    }

    static func number(_ text: String) -> String {
        guard let x = Exact(decimal: text) else { return text }
        return Formatter(rounding: Rounding(scale: 2, mode: .halfAwayFromZero, range: nil), currency: "").number(x)
    }
}
