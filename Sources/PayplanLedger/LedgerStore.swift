import Foundation
import GRDB
import PayplanCore

#if canImport(Glibc)
    import Glibc
#endif

/// The ledger file: an ordinary SQLite database (`sqlite3 FILE` opens it).
///
/// Journal: SQLite's rollback journal (`journal_mode=DELETE`) with
/// `synchronous=FULL`, not WAL. Both survive a crash or `kill -9` at any
/// moment with every transaction whole or absent; the rollback journal
/// also keeps the ledger ONE file between commands (WAL keeps committed
/// pages in `FILE-wal` until a checkpoint, so copying or mailing the main
/// file alone — what people do with a system of record — can lose the last
/// close), works on network shares, and needs no shared-memory file.
/// Closes are rare, large single writers, which is what the rollback
/// journal does well; WAL's gain, readers beside a writer, is not needed.
public final class LedgerStore: @unchecked Sendable {
    public let path: String
    let queue: DatabaseQueue

    /// The schema this payplan writes (PRAGMA user_version, and one
    /// DatabaseMigrator migration per version).
    public static let schemaVersion = 1
    /// PRAGMA application_id: "PPLG".
    public static let applicationID = 0x5050_4C47

    public enum Mode: Sendable {
        /// Read only; the file must exist.
        case read
        /// Change an existing ledger.
        case write
        /// Change the ledger, creating it when missing.
        case create
    }

    init(path: String, queue: DatabaseQueue) {
        self.path = path
        self.queue = queue
    }

    /// Opens (or creates) a ledger. Checks, before anything is written, that
    /// the file is SQLite, is a ledger, is not from a newer schema, is not
    /// damaged and, to change it, is writable.
    public static func open(_ path: String, mode: Mode) throws(LedgerProblem) -> LedgerStore {
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && mode != .create { throw .missing(path: path) }
        if exists { try checkHeader(path) }
        let writing = mode != .read
        if writing { try checkWritable(path, exists: exists) }
        var config = Configuration()
        config.busyMode = .timeout(120)
        config.journalMode = .default
        // Opened read-only only when it cannot be written: a read-write
        // connection can roll back the journal a killed close left behind.
        let readonly = !writing && access(path, W_OK) != 0
        config.readonly = readonly
        config.prepareDatabase { db in
            if !readonly {
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // A close writes ~100 MB per 100,000 reps in one transaction:
                // enough cache that it is not spilled to the file midway.
                try db.execute(sql: "PRAGMA cache_size = -262144")
            }
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw problem(error, path)
        }
        let store = LedgerStore(path: path, queue: queue)
        try store.checkSchema(creating: exists ? (mode == .create ? .ifEmpty : .never) : .always)
        if writing { try store.quickCheck() }
        return store
    }

    static func checkHeader(_ path: String) throws(LedgerProblem) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .io(path: path, detail: "it is a folder")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .io(path: path, detail: "cannot read it") }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        if head.isEmpty { return }
        if head != Data("SQLite format 3\0".utf8) { throw .notSQLite(path: path) }
    }

    static func checkWritable(_ path: String, exists: Bool) throws(LedgerProblem) {
        let folder = (path as NSString).deletingLastPathComponent
        let dir = folder.isEmpty ? "." : folder
        if exists {
            var st = stat()
            if stat(path, &st) == 0 && st.st_mode & 0o222 == 0 {
                throw .readOnly(path: path, why: "the file has no write permission")
            }
            if access(path, W_OK) != 0 { throw .readOnly(path: path, why: "this user cannot write the file") }
        } else if !FileManager.default.fileExists(atPath: dir) {
            throw .io(path: path, detail: "the folder \(dir) does not exist")
        }
        var st = stat()
        if stat(dir, &st) == 0 && st.st_mode & 0o222 == 0 || access(dir, W_OK) != 0 {
            throw .readOnly(path: path, why: "its folder \(dir) is not writable, and SQLite writes its journal beside the file")
        }
    }

    enum Creating { case never, ifEmpty, always }

    func checkSchema(creating: Creating) throws(LedgerProblem) {
        do {
            func header() throws -> (version: Int, app: Int, tables: Int) {
                try queue.read { db in
                    (
                        try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                        try Int.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                        // GRDB's migrator creates its bookkeeping table before the
                        // migration's own transaction.
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'grdb\\_%' ESCAPE '\\'") ?? 0
                    )
                }
            }
            var (version, app, tables) = try header()
            // Another close may be creating this file right now: give it up
            // to two seconds to finish before calling the file foreign.
            var waited = 0
            while app != LedgerStore.applicationID && creating != .never && waited < 20 {
                if tables == 0 && version == 0 { break }
                usleep(100_000)
                waited += 1
                (version, app, tables) = try header()
            }
            if app != LedgerStore.applicationID {
                guard tables == 0 && version == 0 && creating != .never else { throw LedgerProblem.notALedger(path: path) }
            }
            if version > LedgerStore.schemaVersion {
                throw LedgerProblem.newerSchema(path: path, found: version, known: LedgerStore.schemaVersion)
            }
            let migrator = LedgerSchema.migrator
            let superseded = try queue.read { db in try migrator.hasBeenSuperseded(db) }
            if superseded { throw LedgerProblem.newerSchema(path: path, found: version, known: LedgerStore.schemaVersion) }
            if version < LedgerStore.schemaVersion {
                // A new file, or one of an older schema: brought up to date
                // in the migrator's transaction. Two closes creating the
                // same file race here: the loser finds it done.
                do {
                    try migrator.migrate(queue)
                } catch {
                    let now = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
                    if now != LedgerStore.schemaVersion { throw error }
                }
            }
        } catch let p as LedgerProblem {
            throw p
        } catch {
            throw LedgerStore.problem(error, path)
        }
    }

    func quickCheck() throws(LedgerProblem) {
        do {
            let result = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
            if result != ["ok"] { throw LedgerProblem.corrupted(path: path, detail: result.prefix(3).joined(separator: "; ")) }
        } catch let p as LedgerProblem {
            throw p
        } catch {
            throw LedgerStore.problem(error, path)
        }
    }

    /// A SQLite error as a ledger problem.
    static func problem(_ error: any Error, _ path: String) -> LedgerProblem {
        if let p = error as? LedgerProblem { return p }
        guard let e = error as? DatabaseError else { return .io(path: path, detail: "\(error)") }
        switch e.resultCode {
        case .SQLITE_NOTADB: return .notSQLite(path: path)
        case .SQLITE_CORRUPT: return .corrupted(path: path, detail: e.message ?? "the database disk image is malformed")
        case .SQLITE_READONLY: return .readOnly(path: path, why: e.message ?? "SQLite cannot write it")
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy(path: path)
        default: return .io(path: path, detail: e.message ?? "\(e)")
        }
    }

    /// Runs a read, mapping SQLite errors.
    func read<T>(_ body: (Database) throws -> T) throws(LedgerProblem) -> T {
        do {
            return try queue.read { db in try body(db) }
        } catch {
            throw LedgerStore.problem(error, path)
        }
    }

    /// Runs `body` in one IMMEDIATE transaction: the write lock is taken
    /// first, so two writers never both read "not closed yet".
    func write<T>(_ body: (Database) throws -> T) throws(LedgerProblem) -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw LedgerStore.problem(error, path)
        }
    }
}

/// The tables. Money is stored as plain decimal text at the plan's scale
/// (exact; `sqlite3` shows it as written); a close is never updated except
/// for `superseded_by`, set by a reopen.
enum LedgerSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            for statement in v1 { try db.execute(sql: statement) }
            try db.execute(sql: "PRAGMA application_id = \(LedgerStore.applicationID)")
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        return m
    }

    static let v1 = [
        """
        CREATE TABLE closes (
            id INTEGER PRIMARY KEY,
            plan TEXT NOT NULL,
            period TEXT NOT NULL,
            period_kind TEXT NOT NULL,
            period_ordinal INTEGER NOT NULL,
            version INTEGER NOT NULL,
            superseded_by INTEGER,
            plan_file TEXT NOT NULL,
            plan_source TEXT NOT NULL,
            canonical TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            data_dir TEXT NOT NULL,
            closed_by TEXT NOT NULL,
            closed_at TEXT NOT NULL,
            payplan_version TEXT NOT NULL,
            note TEXT NOT NULL,
            skipped TEXT NOT NULL,
            currency TEXT NOT NULL,
            columns TEXT NOT NULL,
            carried TEXT NOT NULL,
            components TEXT NOT NULL,
            rep_count INTEGER NOT NULL,
            total_paid TEXT NOT NULL,
            adjustments_paid TEXT NOT NULL,
            content_hash TEXT NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX closes_in_force ON closes(plan, period) WHERE superseded_by IS NULL",
        """
        CREATE TABLE data_files (
            close_id INTEGER NOT NULL REFERENCES closes(id),
            file TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            PRIMARY KEY (close_id, file)
        )
        """,
        """
        CREATE TABLE payouts (
            id INTEGER PRIMARY KEY,
            close_id INTEGER NOT NULL REFERENCES closes(id),
            rep_id TEXT NOT NULL,
            in_population INTEGER NOT NULL,
            total TEXT NOT NULL,
            adjustment TEXT NOT NULL,
            cells TEXT NOT NULL,
            components TEXT NOT NULL,
            flags TEXT NOT NULL,
            state BLOB NOT NULL,
            deals BLOB NOT NULL,
            row_hash TEXT NOT NULL
        )
        """,
        // Rows of ~1 KB (deal lines): a rowid table, not WITHOUT ROWID.
        "CREATE UNIQUE INDEX payouts_rep ON payouts(close_id, rep_id)",
        """
        CREATE TABLE adjustments (
            close_id INTEGER NOT NULL REFERENCES closes(id),
            rep_id TEXT NOT NULL,
            for_period TEXT NOT NULL,
            for_close_id INTEGER NOT NULL REFERENCES closes(id),
            paid_before TEXT NOT NULL,
            recomputed TEXT NOT NULL,
            amount TEXT NOT NULL,
            cause_en TEXT NOT NULL,
            cause_zh TEXT NOT NULL,
            row_hash TEXT NOT NULL,
            PRIMARY KEY (close_id, rep_id, for_period)
        )
        """,
        """
        CREATE TABLE traces (
            close_id INTEGER NOT NULL REFERENCES closes(id),
            block INTEGER NOT NULL,
            reps INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            format TEXT NOT NULL,
            data BLOB NOT NULL,
            sha256 TEXT NOT NULL,
            PRIMARY KEY (close_id, block)
        )
        """,
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            action TEXT NOT NULL CHECK (action IN ('close', 'reopen')),
            plan TEXT NOT NULL,
            period TEXT NOT NULL,
            close_id INTEGER NOT NULL REFERENCES closes(id),
            by TEXT NOT NULL,
            at TEXT NOT NULL,
            reason TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )
        """,
    ]
}
