import ArgumentParser
import Foundation
import PayplanCore
import PayplanLedger
import PayplanReports

/// `payplan ledger …`: read, export, reopen and verify the period ledger.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "The period ledger: closed periods, what was paid, the audit trail, exports, reopen, verify.",
        subcommands: [
            LedgerPeriods.self, LedgerShow.self, LedgerAudit.self, LedgerExportCommand.self, LedgerReopen.self, LedgerVerify.self,
        ])
}

/// Flags every ledger subcommand takes.
struct LedgerFile: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger file.", valueName: "file"))
    var ledger: String

    @Option(name: .long, help: ArgumentHelp("The plan's name, when the ledger holds several.", valueName: "name"))
    var plan: String?
}

enum TableOrJSON: String, ExpressibleByArgument, CaseIterable { case table, json }

struct LedgerPeriods: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "periods", abstract: "List the closed periods: version, status, reps, totals, fingerprint, who and when.")

    @OptionGroup var file: LedgerFile
    @Option(name: .long, help: "Output format: table or json.") var format: TableOrJSON = .table

    func run() throws {
        try exiting { () throws(Stop) in
            let store = try LedgerSession.open(file.ledger, mode: .read)
            let closes = try LedgerSession.check { () throws(LedgerProblem) in
                try store.closes(plan: file.plan).sorted { ($0.plan, $0.periodOrdinal, $0.version) < ($1.plan, $1.periodOrdinal, $1.version) }
            }
            try Console.out(format == .json ? LedgerText.periodsJSON(closes) : LedgerText.periodsTable(closes))
        }
    }
}

struct LedgerShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print a closed period's payouts as closed: run's columns plus adjustment.")

    @OptionGroup var file: LedgerFile
    @Option(name: .long, help: ArgumentHelp("The closed period.", valueName: "period")) var period: String
    @Option(name: .long, help: ArgumentHelp("A superseded version (default: the one in force).", valueName: "n")) var version: Int?
    @Option(name: .long, help: "Output format: table, csv or json.") var format: RunCommand.RunFormat = .table
    @Option(name: .long, help: ArgumentHelp("Write the recorded explanations to this file as JSON Lines.", valueName: "file"))
    var explain: String?

    func run() throws {
        try exiting { () throws(Stop) in
            let store = try LedgerSession.open(file.ledger, mode: .read)
            let closed = try LedgerSession.check { () throws(LedgerProblem) in
                let plan = try store.plan(named: file.plan)
                return try Ledger.show(store, try Ledger.close(store, plan: plan, period: period, version: version))
            }
            switch format {
            case .table: try Console.out(LedgerText.table(closed))
            case .csv: try Console.out(LedgerExport.csv([closed]))
            case .json: try Console.out(LedgerText.json(closed))
            }
            if let explain { try writeTraces(store, closed.info, to: explain) }
            Console.error(LedgerText.heading(closed.info))
            let adjustments = try LedgerSession.check { () throws(LedgerProblem) in try Ledger.adjustments(store, closed.info) }
            for a in adjustments { Console.error("  adjustment \(a.rep): \(a.en)\n") }
        }
    }
}

extension LedgerShow {
    /// The recorded JSON Lines, unpacked, written atomically.
    func writeTraces(_ store: LedgerStore, _ close: CloseInfo, to path: String) throws(Stop) {
        do {
            let w = try AtomicFileWriter(path: path)
            do {
                try Ledger.traces(store, close) { try w.write(bytes: Array($0)) }
                try w.commit()
            } catch {
                w.abandon()
                throw error
            }
        } catch {
            Console.error("error: cannot write \(path): \(error)\n")
            throw Stop(code: Exit.usage)
        }
    }
}

struct LedgerAudit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Print the audit trail: every close and reopen, with reasons.")

    @OptionGroup var file: LedgerFile
    @Option(name: .long, help: "Output format: table or json.") var format: TableOrJSON = .table

    func run() throws {
        try exiting { () throws(Stop) in
            let store = try LedgerSession.open(file.ledger, mode: .read)
            let events = try LedgerSession.check { () throws(LedgerProblem) in try store.audit(plan: file.plan) }
            try Console.out(format == .json ? LedgerText.auditJSON(events) : LedgerText.auditTable(events))
        }
    }
}

struct LedgerExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a payroll export of closed periods: CSV, or an Excel workbook with one sheet per period.",
        discussion: "Without --period, every closed period in force. The file is written atomically.")

    @OptionGroup var file: LedgerFile
    @Option(name: .long, help: ArgumentHelp("A closed period (repeat for several).", valueName: "period")) var period: [String] = []
    @Option(name: .long, help: "csv or xlsx.") var format: ExportFormat
    @Option(name: .long, help: ArgumentHelp("The file to write.", valueName: "file")) var out: String

    enum ExportFormat: String, ExpressibleByArgument, CaseIterable { case csv, xlsx }

    func run() throws {
        try exiting { () throws(Stop) in
            let store = try LedgerSession.open(file.ledger, mode: .read)
            let periods = try LedgerSession.check { () throws(LedgerProblem) in
                let plan = try store.plan(named: file.plan)
                let closes =
                    period.isEmpty
                    ? try store.inForce(plan: plan) : try period.map { p throws(LedgerProblem) in try Ledger.close(store, plan: plan, period: p) }
                var shown: [ClosedPeriod] = []
                for c in closes { shown.append(try Ledger.show(store, c)) }
                return shown
            }
            do {
                let w = try AtomicFileWriter(path: out)
                do {
                    switch format {
                    case .csv: try w.write(LedgerExport.csv(periods))
                    case .xlsx: try w.write(bytes: Array(try LedgerExport.xlsx(periods)))
                    }
                    try w.commit()
                } catch {
                    w.abandon()
                    throw error
                }
            } catch {
                Console.error("error: cannot write \(out): \(error)\n")
                throw Stop(code: Exit.usage)
            }
            let rows = periods.reduce(0) { $0 + $1.repIDs.count }
            Console.error("\(periods.map(\.info.period).joined(separator: ", ")): \(rows) rows written to \(out)\n")
        }
    }
}

struct LedgerReopen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen",
        abstract: "Reopen the latest closed period: recorded in the audit trail with the reason; nothing is deleted.",
        discussion: "The close is marked superseded; the next close of the period records a new version.")

    @OptionGroup var file: LedgerFile
    @Option(name: .long, help: ArgumentHelp("The period to reopen (the latest closed).", valueName: "period")) var period: String
    @Option(name: .long, help: ArgumentHelp("Why it is reopened.", valueName: "text")) var reason: String
    @Option(name: .long, help: ArgumentHelp("Who reopens it (default: the login name).", valueName: "name")) var by: String?

    func validate() throws {
        if Period(period) == nil { throw ValidationError("'\(period)' is not a period; write 2026-Q3, 2026-07 or 2026") }
    }

    func run() throws {
        try exiting { () throws(Stop) in
            let store = try LedgerSession.open(file.ledger, mode: .write)
            let who = LedgerSession.who(by)
            let (close, chain) = try LedgerSession.check { () throws(LedgerProblem) in
                let plan = try store.plan(named: file.plan)
                return try Ledger.reopen(store, plan: plan, period: Period(period)!, reason: reason, by: who, at: LedgerSession.now())
            }
            Console.error(
                "reopened \(close.plan) \(close.period) (version \(close.version), closed by \(close.closedBy) at \(close.closedAt)); kept as superseded\nledger chain \(chain)\n"
            )
        }
    }
}

struct LedgerVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Recompute every row's hash and the audit chain; name any edited row. Exit 1 when something was edited.")

    @OptionGroup var file: LedgerFile

    func run() throws {
        try exiting { () throws(Stop) in
            let store = try LedgerSession.open(file.ledger, mode: .read)
            let report = try LedgerSession.check { () throws(LedgerProblem) in try Ledger.verify(store) }
            for finding in report.findings { try Console.out(LedgerProblem.edited(finding).description + "\n") }
            let summary = "\(report.closes) closes, \(report.events) audit events, \(report.rows) rows; chain head \(report.head)\n"
            if report.findings.isEmpty {
                try Console.out("ok: " + summary)
            } else {
                try Console.out("\(report.findings.count) problem\(report.findings.count == 1 ? "" : "s"): " + summary)
                throw Stop(code: Exit.planProblems)
            }
        }
    }
}
