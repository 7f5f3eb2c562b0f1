import HTTPTypes
import Hummingbird
import PayplanCore
import PayplanReports
import Synchronization

/// The port the server is bound to, known once it listens (`--port 0`
/// picks a free one).
public final class BoundPort: Sendable {
    let value: Mutex<Int>

    public init(_ port: Int) { value = Mutex(port) }

    public var port: Int { value.withLock { $0 } }
    func set(_ port: Int) { value.withLock { $0 = port } }
}

/// What the server checks before any route runs, and adds to every answer.
public struct GateSettings: Sendable {
    public var token: AccessToken
    /// The port is in the cookie's name: cookies ignore ports, so two
    /// workbenches on one host keep separate cookies.
    public var port: BoundPort
    /// Bound to loopback: only Host headers naming loopback are answered
    /// (a DNS-rebinding guard). Elsewhere any Host is, and the token guards.
    public var loopback: Bool
    /// The host bound, also answered to.
    public var host: String
    public var maxBodyBytes: Int

    public var cookieName: String { "payplan_\(port.port)" }

    public init(token: AccessToken, port: BoundPort, host: String, maxBodyBytes: Int = 64 * 1024) {
        self.token = token
        self.port = port
        self.host = host
        loopback = WorkbenchServer.isLoopback(host)
        self.maxBodyBytes = maxBodyBytes
    }

    func hostAllowed(_ host: String) -> Bool {
        guard loopback else { return true }
        let p = port.port
        let own = self.host.contains(":") && !self.host.hasPrefix("[") ? "[\(self.host)]" : self.host
        let names = ["127.0.0.1", "localhost", "[::1]", own.lowercased()]
        // Browsers leave the default port out of Host.
        return names.contains { host.lowercased() == "\($0):\(p)" || (p == 80 && host.lowercased() == $0) }
    }
}

/// The outermost responder: the host check, the token (query on a first
/// visit, then an HttpOnly SameSite=Strict cookie, or `Authorization:
/// Bearer`), then the routes; problems become JSON for `/api/…` and a page
/// otherwise; security headers on everything. Nothing reaches a route
/// without the token, so even "not found" needs it.
struct Gate<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BasicRequestContext {
    let inner: Inner
    let settings: GateSettings

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        var response = await answer(request, context)
        for field in Reply.securityHeaders(scriptHash: WorkbenchScript.hash) { response.headers[field.name] = field.value }
        return response
    }

    func answer(_ request: Request, _ context: BasicRequestContext) async -> Response {
        let api = request.uri.path.hasPrefix("/api/")
        let host = request.head.authority ?? ""
        if !settings.hostAllowed(host) { return Gate.problem(.wrongHost(host), api: api) }
        let query = Query.pairs(request.uri.query)
        let queryToken = query.last { $0.0 == "token" }?.1
        if let queryToken, settings.token.matches(queryToken[...]) {
            // First visit of a page: keep the token in a cookie and drop it
            // from the address bar (and from history and Referer headers).
            if request.method == .get && !api {
                let rest = query.filter { $0.0 != "token" }.map { "\(Query.encode($0.0))=\(Query.encode($0.1))" }
                var headers = HTTPFields()
                headers[.setCookie] = "\(settings.cookieName)=\(settings.token.value); Path=/; HttpOnly; SameSite=Strict"
                return Reply.redirect(request.uri.path + (rest.isEmpty ? "" : "?" + rest.joined(separator: "&")), headers: headers)
            }
        } else if !authorized(request) {
            return Gate.problem(.unauthorized, api: api)
        }
        do {
            return try await inner.respond(to: request, context: context)
        } catch let problem as ServeProblem {
            return Gate.problem(problem, api: api)
        } catch let error as any HTTPResponseError {
            let status = Int(error.status.code)
            return status == 404 ? Gate.problem(.notFound("such page"), api: api) : Gate.problem(.malformed("HTTP \(status)"), api: api)
        } catch {
            return Gate.problem(.malformed("the request could not be read"), api: api)
        }
    }

    func authorized(_ request: Request) -> Bool {
        if let auth = request.headers[.authorization], auth.hasPrefix("Bearer "), settings.token.matches(auth.dropFirst("Bearer ".count)) {
            return true
        }
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let kv = part.split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0].trimmingPrefix(" ") == settings.cookieName, settings.token.matches(kv[1]) { return true }
            }
        }
        return false
    }

    static func problem(_ p: ServeProblem, api: Bool) -> Response {
        if api { return Reply.json(p.json(), status: p.status) }
        return Reply.html(ProblemPage.render(p), status: p.status)
    }
}

/// A page for a problem, for browsers.
enum ProblemPage {
    static func render(_ p: ServeProblem) -> String {
        var body = "<h1>\(WebPage.escape(p.message))</h1>"
        if let help = p.help { body += "<p>\(WebPage.escape(help))</p>" }
        let list = p.diagnostics
        if !list.isEmpty {
            body += "<pre class=\"problems\">\(WebPage.escape(DiagnosticRenderer(sources: SourceTexts()).text(list)))</pre>"
        }
        body += "<p class=\"note\">\(p.code) · HTTP \(p.status)</p>"
        return WebPage.document(title: "Payplan workbench: \(p.code)", language: .en, body: body)
    }
}

/// Request body reading with a hard limit: past it, the rest is not read.
enum Body {
    static func read(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw ServeProblem.bodyTooLarge(limit: limit) }
        var out: [UInt8] = []
        for try await chunk in request.body {
            if out.count + chunk.readableBytes > limit { throw ServeProblem.bodyTooLarge(limit: limit) }
            out += chunk.readableBytesView
        }
        return out
    }

    /// A POST body declared as JSON, parsed.
    static func json(_ request: Request, limit: Int) async throws -> JSON {
        let type = (request.headers[.contentType] ?? "").lowercased()
        guard type.hasPrefix("application/json") else { throw ServeProblem.notJSON }
        let bytes = try await read(request, limit: limit)
        switch JSONReader.parse(bytes) {
        case .success(let j): return j
        case .failure(let p): throw p
        }
    }
}
