import PayplanCore

/// Every problem the ledger reports, in one place: code, exit status,
/// message and help side by side. Codes are `G8xx` (documented in
/// rules/README.md §12); exit codes as every command: 1 a refused change to
/// the ledger, 2 the ledger file cannot be used, 3 bad data.
public enum LedgerProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file exists but does not start with SQLite's header.
    case notSQLite(path: String)
    /// A SQLite database, but not a payplan ledger.
    case notALedger(path: String)
    /// Written by a newer payplan.
    case newerSchema(path: String, found: Int, known: Int)
    /// No write permission on the file or its folder.
    case readOnly(path: String, why: String)
    /// SQLite reports damage (`PRAGMA quick_check` or an I/O read).
    case corrupted(path: String, detail: String)
    /// Any other SQLite failure opening or reading the file.
    case io(path: String, detail: String)
    /// No ledger file where one must already exist (show, reopen, …).
    case missing(path: String)
    case alreadyClosed(plan: String, period: String, by: String, at: String)
    case previousNotClosed(plan: String, period: String, previous: String, first: String)
    case notClosed(plan: String, period: String)
    case notLatest(plan: String, period: String, latest: String)
    case beforeFirst(plan: String, period: String, first: String)
    case wrongKind(plan: String, period: String, kind: String)
    case unknownPlan(path: String, plan: String, known: [String])
    case whichPlan(path: String, known: [String])
    case emptyReason
    /// Another process holds the write lock for longer than the wait.
    case busy(path: String)
    /// `ledger verify`: what does not match its hash.
    case edited(String)

    public var code: String { ledgerCode.rawValue }

    /// The code of the problem, from `LedgerCode` (listed by `payplan codes`).
    public var ledgerCode: LedgerCode {
        switch self {
        case .notSQLite: .notSQLite
        case .notALedger: .notALedger
        case .newerSchema: .newerSchema
        case .readOnly: .readOnly
        case .corrupted: .corrupted
        case .io: .io
        case .missing: .missing
        case .alreadyClosed: .alreadyClosed
        case .previousNotClosed: .previousNotClosed
        case .notClosed: .notClosed
        case .notLatest: .notLatest
        case .beforeFirst: .beforeFirst
        case .wrongKind: .wrongKind
        case .unknownPlan: .unknownPlan
        case .whichPlan: .whichPlan
        case .emptyReason: .emptyReason
        case .busy: .busy
        case .edited: .edited
        }
    }

    /// The documented exit status.
    public var exitCode: Int32 {
        switch self {
        case .notSQLite, .notALedger, .newerSchema, .readOnly, .corrupted, .io, .missing, .unknownPlan, .whichPlan, .emptyReason,
            .wrongKind:
            2
        case .alreadyClosed, .previousNotClosed, .notClosed, .notLatest, .beforeFirst, .busy, .edited: 1
        }
    }

    public var message: String {
        switch self {
        case .notSQLite(let p): "\(p) is not a SQLite database, so not a payplan ledger; nothing was written"
        case .notALedger(let p): "\(p) is a SQLite database but not a payplan ledger; nothing was written"
        case .newerSchema(let p, let found, let known):
            "\(p) was written by a newer payplan (ledger schema \(found); this payplan knows up to \(known)); nothing was written"
        case .readOnly(let p, let why): "\(p) is read-only (\(why)); nothing was written"
        case .corrupted(let p, let detail): "\(p) is damaged: \(detail); nothing was written"
        case .io(let p, let detail): "cannot use the ledger \(p): \(detail); nothing was written"
        case .missing(let p): "no ledger at \(p)"
        case .alreadyClosed(let plan, let period, let by, let at): "\(plan) \(period) is already closed (by \(by) at \(at))"
        case .previousNotClosed(let plan, let period, let previous, let first):
            "cannot close \(plan) \(period): the previous period \(previous) is not closed in this ledger (its first closed period is \(first))"
        case .notClosed(let plan, let period): "\(plan) \(period) is not closed in this ledger"
        case .notLatest(let plan, let period, let latest):
            "cannot reopen \(plan) \(period): only the latest closed period (\(latest)) can be reopened"
        case .beforeFirst(let plan, let period, let first):
            "cannot close \(plan) \(period): it is before \(first), the first period this ledger holds, and periods are closed in order"
        case .wrongKind(let plan, let period, let kind): "this ledger holds \(plan) per \(kind); \(period) is not a \(kind)"
        case .unknownPlan(let p, let plan, let known):
            "\(p) holds no plan named \"\(plan)\" (it holds \(known.map { "\"\($0)\"" }.joined(separator: ", ")))"
        case .whichPlan(let p, let known):
            "\(p) holds several plans (\(known.map { "\"\($0)\"" }.joined(separator: ", "))): say which with --plan"
        case .emptyReason: "a reopen needs a reason"
        case .busy(let p): "\(p) is locked by another payplan writing to it; nothing was written"
        case .edited(let finding): finding
        }
    }

    public var help: String? {
        switch self {
        case .notSQLite, .notALedger: "give the path of a ledger made by `payplan close`, or a new path to start one"
        case .newerSchema: "use the payplan version that wrote it, or a newer one"
        case .readOnly: "make the file and its folder writable (e.g. chmod u+w) to change the ledger; reading it works as it is"
        case .corrupted: "restore the ledger from a backup; `sqlite3 FILE 'PRAGMA integrity_check'` lists the damage"
        case .missing: "`payplan close` creates the ledger with the first period it closes"
        case .alreadyClosed: "`payplan ledger show` prints what was paid; `payplan ledger reopen` supersedes it, with a reason"
        case .previousNotClosed: "close the periods in order"
        case .notLatest: "reopen the later periods first, latest first"
        case .wrongKind: "a plan that changes its period starts a new ledger (or takes a new name)"
        case .emptyReason: "say why with --reason, e.g. --reason \"targets of team East were wrong\""
        case .busy: "try again when the other command has finished"
        case .edited: "compare with a backup: the chain head each close printed identifies the last state you kept"
        default: nil
        }
    }

    public var description: String {
        "error: \(message) [\(code)]" + (help.map { "\n  = help: \($0)" } ?? "")
    }
}

/// The ledger's codes (`G8xx`), each with what it is about.
public enum LedgerCode: String, DiagnosticCode {
    case notSQLite = "G801"
    case notALedger = "G802"
    case newerSchema = "G803"
    case readOnly = "G804"
    case corrupted = "G805"
    case io = "G806"
    case missing = "G807"
    case alreadyClosed = "G810"
    case previousNotClosed = "G811"
    case notClosed = "G812"
    case notLatest = "G813"
    case beforeFirst = "G814"
    case wrongKind = "G815"
    case unknownPlan = "G816"
    case whichPlan = "G817"
    case emptyReason = "G818"
    case busy = "G819"
    case edited = "G830"

    public var severity: Severity { .error }

    public var title: String {
        switch self {
        case .notSQLite: "the ledger file is not a SQLite database"
        case .notALedger: "a SQLite database, but not a payplan ledger"
        case .newerSchema: "a ledger written by a newer payplan"
        case .readOnly: "the ledger file or its folder is read-only"
        case .corrupted: "the ledger file is damaged"
        case .io: "a SQLite error opening or reading the ledger"
        case .missing: "no ledger at that path"
        case .alreadyClosed: "the period is already closed"
        case .previousNotClosed: "the previous period is not closed"
        case .notClosed: "the period is not closed"
        case .notLatest: "only the latest closed period can be reopened"
        case .beforeFirst: "a period before the first the ledger holds"
        case .wrongKind: "a period not of the plan's kind"
        case .unknownPlan: "no plan of that name in the ledger"
        case .whichPlan: "several plans in the ledger: say which with --plan"
        case .emptyReason: "a reopen without a reason"
        case .busy: "another payplan holds the ledger's write lock"
        case .edited: "ledger verify: a row, a close or an audit event was edited"
        }
    }
}
