import Foundation
import Hummingbird
import HummingbirdTesting
import PayplanServe
import Testing

/// The gate: nothing without the token, the token once in the URL then in
/// an HttpOnly SameSite=Strict cookie, or as a Bearer header.
@Suite struct AccessTests {
    @Test func everyRequestWithoutTheTokenIs401() async throws {
        try await app(try workbench()).test(.router) { client in
            for uri in [
                "/", "/api/periods", "/api/openapi.json", "/api/parameters", "/periods/2026-Q3/zh/index.html", "/no/such/page", "/favicon.ico",
            ] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .unauthorized, "\(uri)")
                    #expect(!r.text.contains("512029"), "\(uri) leaks pay data")
                }
            }
            try await client.execute(uri: "/api/whatif", method: .post, headers: [.contentType: "application/json"], body: whatIfBody("2026-Q3", [:]))
            {
                #expect($0.status == .unauthorized)
                #expect($0.object["code"] as? String == "W901")
            }
            // The wrong token, in each place a token may be.
            try await client.execute(uri: "/?token=wrong-token-0123456789", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/periods", method: .get, headers: [.authorization: "Bearer wrong"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/api/periods", method: .get, headers: [.cookie: "payplan_80=\(testToken.value)x"]) {
                #expect($0.status == .unauthorized)
            }
            // A token of the right length differing in the last character.
            let near = String(testToken.value.dropLast()) + "0"
            try await client.execute(uri: "/api/periods", method: .get, headers: [.authorization: "Bearer \(near)"]) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func theTokenInTheURLBecomesAStrictHttpOnlyCookie() async throws {
        try await app(try workbench()).test(.router) { client in
            let cookie = try await client.execute(uri: "/?token=\(testToken.value)&period=2026-Q3", method: .get) { r -> String in
                #expect(r.status == .seeOther)
                // The token leaves the address bar: history and Referer never see it.
                #expect(r.headers[.location] == "/?period=2026-Q3")
                let set = r.headers[.setCookie] ?? ""
                #expect(set.contains("HttpOnly"))
                #expect(set.contains("SameSite=Strict"))
                #expect(set.contains("Path=/"))
                return String(set.split(separator: ";")[0])
            }
            #expect(cookie == "payplan_80=\(testToken.value)")
            try await client.execute(uri: "/?period=2026-Q3", method: .get, headers: [.cookie: "other=1; " + cookie]) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("512,029.90"))
            }
            try await client.execute(uri: "/api/periods", method: .get, headers: bearer) { #expect($0.status == .ok) }
        }
    }

    @Test func everyAnswerCarriesTheSecurityHeaders() async throws {
        try await app(try workbench()).test(.router) { client in
            for (uri, headers) in [("/", bearer), ("/api/periods", bearer), ("/api/periods", [:] as HTTPFields)] {
                try await client.execute(uri: uri, method: .get, headers: headers) { r in
                    let csp = r.headers[.contentSecurityPolicy] ?? ""
                    #expect(csp.contains("default-src 'none'"))
                    #expect(csp.contains("script-src 'sha256-"))
                    #expect(csp.contains("frame-ancestors 'none'"))
                    #expect(r.headers[.xContentTypeOptions] == "nosniff")
                    #expect(r.headers[.cacheControl] == "no-store")
                }
            }
        }
    }

    /// A page loaded from another name that resolves to 127.0.0.1 (DNS
    /// rebinding) is refused even with the token.
    @Test func anotherHostIsRefused() async throws {
        let w = try workbench()
        let application = WorkbenchServer.application(w, settings: GateSettings(token: testToken, port: BoundPort(8080), host: "127.0.0.1"))
        try await application.test(.router) { client in
            try await client.execute(uri: "/api/periods", method: .get, headers: bearer) { r in
                #expect(r.status.code == 421)
                #expect(r.object["code"] as? String == "W915")
            }
        }
    }

    @Test func tokens() throws {
        let a = AccessToken.random()
        let b = AccessToken.random()
        #expect(a.value.count == 64)
        #expect(a.value.allSatisfy { $0.isHexDigit })
        #expect(a.value != b.value)
        #expect(a.matches(a.value[...]))
        #expect(!a.matches(a.value.dropLast()))
        #expect(!a.matches((a.value + "0")[...]))
        #expect(!a.matches(nil))
        #expect(!a.matches(""))
        let scratch = try Scratch()
        try scratch.write("token", "  my-long-token-0123456789\n")
        #expect(try AccessToken.read(file: scratch.path + "/token").value == "my-long-token-0123456789")
        try scratch.write("short", "abc\n")
        #expect(throws: AccessToken.FileError.self) { try AccessToken.read(file: scratch.path + "/short") }
        try scratch.write("spaces", "has spaces in it 0123456789\n")
        #expect(throws: AccessToken.FileError.self) { try AccessToken.read(file: scratch.path + "/spaces") }
        #expect(throws: AccessToken.FileError.self) { try AccessToken.read(file: scratch.path + "/missing") }
    }

    @Test func loopbackAndURLs() {
        for h in ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"] { #expect(WorkbenchServer.isLoopback(h), "\(h)") }
        for h in ["0.0.0.0", "192.168.1.5", "example.com", "::", "127.0.0.1.example.com"] { #expect(!WorkbenchServer.isLoopback(h), "\(h)") }
        #expect(WorkbenchServer.url(host: "::1", port: 8080, token: testToken) == "http://[::1]:8080/?token=\(testToken.value)")
    }
}
