import PayplanCore

/// Every problem the workbench answers a request with, in one place: its
/// code, HTTP status, message and help beside each (the codes are listed in
/// the README's workbench section). The JSON API sends them as
/// `{"error", "code", "path", "help", "diagnostics"}`; pages show the same
/// words.
public enum ServeProblem: Error, Sendable, Equatable {
    /// No token, or the wrong one.
    case unauthorized
    /// A request body over the limit.
    case bodyTooLarge(limit: Int)
    /// A body that is not JSON, or JSON of the wrong shape.
    case malformed(String)
    /// A POST whose body is not declared as JSON.
    case notJSON
    /// A period the data has no targets for (or outside the plan's dates).
    case unknownPeriod(String, offered: [String])
    /// A parameter path the plan does not have.
    case noSuchPath(String, suggestion: String?)
    /// The value given does not fit the parameter (the checker says why).
    case wrongValue(String, [Diagnostic])
    /// The change makes the plan invalid elsewhere (the checker says where).
    case invalidCandidate(String, [Diagnostic])
    /// The candidate cannot be computed on this data (a division by zero …).
    case candidateFails(String, Diagnostic)
    /// The data folder cannot be paid on as it stands.
    case dataProblems([Diagnostic])
    /// The plan in force cannot be computed on this data.
    case baseFails(Diagnostic)
    /// Too many requests waiting for an evaluation.
    case busy(queued: Int)
    /// Too many values changed in one request.
    case tooManyChanges(limit: Int)
    /// A page or rep that does not exist.
    case notFound(String)
    /// A Host header naming another server (DNS rebinding).
    case wrongHost(String)
    /// The candidate plan could not be written back into the file's text.
    case spliceFailed(String)

    public var code: String { serveCode.rawValue }

    public var serveCode: ServeCode {
        switch self {
        case .unauthorized: .unauthorized
        case .bodyTooLarge: .bodyTooLarge
        case .malformed: .malformed
        case .notJSON: .notJSON
        case .unknownPeriod: .unknownPeriod
        case .noSuchPath: .noSuchPath
        case .wrongValue: .wrongValue
        case .invalidCandidate: .invalidCandidate
        case .candidateFails: .candidateFails
        case .dataProblems: .dataProblems
        case .baseFails: .baseFails
        case .busy: .busy
        case .tooManyChanges: .tooManyChanges
        case .notFound: .notFound
        case .wrongHost: .wrongHost
        case .spliceFailed: .spliceFailed
        }
    }

    public var status: Int {
        switch self {
        case .unauthorized: 401
        case .bodyTooLarge: 413
        case .malformed, .unknownPeriod, .noSuchPath, .wrongValue, .invalidCandidate, .candidateFails, .tooManyChanges: 400
        case .notJSON: 415
        case .dataProblems, .baseFails: 422
        case .busy: 503
        case .notFound: 404
        case .wrongHost: 421
        case .spliceFailed: 500
        }
    }

    public var message: String {
        switch self {
        case .unauthorized: "this workbench needs its access token"
        case .bodyTooLarge(let limit): "the request body is over \(limit) bytes"
        case .malformed(let why): "malformed request: \(why)"
        case .notJSON: "the request body must be JSON (Content-Type: application/json)"
        case .unknownPeriod(let p, _): "no period \(p) in this data"
        case .noSuchPath(let p, _): "\(p): the plan has no such value"
        case .wrongValue(let p, let d): "\(p): \(d.first?.message ?? "the value does not fit")"
        case .invalidCandidate(let p, let d): "\(p): the change makes the plan invalid: \(d.first?.message ?? "")"
        case .candidateFails(let p, let d): "\(p): the changed plan cannot be computed: \(d.message)"
        case .dataProblems(let d): "the data has \(d.count) problem\(d.count == 1 ? "" : "s"); nothing can be paid on it"
        case .baseFails(let d): "the plan cannot be computed on this data: \(d.message)"
        case .busy(let n): "\(n) requests are already waiting for an evaluation"
        case .tooManyChanges(let limit): "at most \(limit) values can be changed at once"
        case .notFound(let what): "no \(what) here"
        case .wrongHost(let host): "this server does not answer for the host \(host)"
        case .spliceFailed(let why): "the candidate plan could not be written in place: \(why)"
        }
    }

    public var help: String? {
        switch self {
        case .unauthorized:
            "open the URL `payplan serve` printed (it carries ?token=…), or send `Authorization: Bearer TOKEN`"
        case .bodyTooLarge: "send only the changed values"
        case .malformed: "send {\"period\": \"2026-Q3\", \"set\": {\"rules.np_award.threshold\": \"40000\"}}"
        case .notJSON: "add the header Content-Type: application/json"
        case .unknownPeriod(_, let offered):
            offered.isEmpty ? "targets.csv has no period of the plan's kind" : "periods offered: \(offered.joined(separator: ", "))"
        case .noSuchPath(_, let s):
            s.map { "did you mean `\($0)`?" } ?? "GET /api/parameters lists every value the workbench can change"
        case .wrongValue(_, let d), .invalidCandidate(_, let d): d.first?.help
        case .candidateFails(_, let d), .baseFails(let d): d.help
        case .dataProblems: "fix the files; the workbench reloads them when they change"
        case .busy: "try again in a moment"
        case .tooManyChanges: nil
        case .notFound: nil
        case .wrongHost: "open the workbench at the address `payplan serve` printed"
        case .spliceFailed: "apply the changes listed on the page to the plan file by hand, or use `payplan whatif --set`"
        }
    }

    /// The parameter path the problem is about, if any.
    public var path: String? {
        switch self {
        case .noSuchPath(let p, _), .wrongValue(let p, _), .invalidCandidate(let p, _), .candidateFails(let p, _): p
        default: nil
        }
    }

    public var diagnostics: [Diagnostic] {
        switch self {
        case .wrongValue(_, let d), .invalidCandidate(_, let d), .dataProblems(let d): d
        case .candidateFails(_, let d), .baseFails(let d): [d]
        default: []
        }
    }

    /// The JSON body of the error response; diagnostics rendered with their
    /// snippets where the sources are known.
    public func json(sources: SourceTexts = SourceTexts()) -> JSON {
        var fields: [(String, JSON)] = [("error", .string(message)), ("code", .string(code))]
        if let path { fields.append(("path", .string(path))) }
        if let help { fields.append(("help", .string(help))) }
        let list = diagnostics
        if !list.isEmpty {
            let renderer = DiagnosticRenderer(sources: sources)
            fields.append(("diagnostics", renderer.json(list)))
            fields.append(("text", .string(renderer.text(list))))
        }
        return .object(fields)
    }
}

/// The workbench's codes, listed with the other stages' (`W9xx`).
public enum ServeCode: String, DiagnosticCode {
    case unauthorized = "W901"
    case bodyTooLarge = "W902"
    case malformed = "W903"
    case notJSON = "W904"
    case unknownPeriod = "W905"
    case noSuchPath = "W906"
    case wrongValue = "W907"
    case invalidCandidate = "W908"
    case candidateFails = "W909"
    case dataProblems = "W910"
    case baseFails = "W911"
    case busy = "W912"
    case tooManyChanges = "W913"
    case notFound = "W914"
    case wrongHost = "W915"
    case spliceFailed = "W916"

    public var severity: Severity { .error }

    public var title: String {
        switch self {
        case .unauthorized: "request without the workbench's token (401)"
        case .bodyTooLarge: "request body over the limit (413)"
        case .malformed: "malformed request (400)"
        case .notJSON: "POST body not declared as JSON (415)"
        case .unknownPeriod: "a period the data does not offer (400)"
        case .noSuchPath: "a parameter path the plan does not have (400)"
        case .wrongValue: "a value that does not fit its parameter (400)"
        case .invalidCandidate: "a change that makes the plan invalid (400)"
        case .candidateFails: "a candidate that cannot be computed on the data (400)"
        case .dataProblems: "a data folder that cannot be paid on (422)"
        case .baseFails: "a plan that cannot be computed on the data (422)"
        case .busy: "too many requests waiting for an evaluation (503)"
        case .tooManyChanges: "too many values changed at once (400)"
        case .notFound: "no such page, period or rep (404)"
        case .wrongHost: "a Host header naming another server (421)"
        case .spliceFailed: "a candidate that cannot be written back in place (500)"
        }
    }
}
