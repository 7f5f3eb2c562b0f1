import Crypto
import HTTPTypes
import Hummingbird
import PayplanCore

/// Responses the workbench sends: every one carries the same security
/// headers (a strict Content-Security-Policy, no sniffing, no referrer, no
/// caching, no framing).
enum Reply {
    static func securityHeaders(scriptHash: String) -> HTTPFields {
        var h = HTTPFields()
        h[.contentSecurityPolicy] =
            "default-src 'none'; script-src '\(scriptHash)'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        h[.xContentTypeOptions] = "nosniff"
        h[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        h[.cacheControl] = "no-store"
        h[HTTPField.Name("X-Frame-Options")!] = "DENY"
        h[HTTPField.Name("Cross-Origin-Resource-Policy")!] = "same-origin"
        return h
    }

    static func bytes(_ status: Int, _ body: [UInt8], type: String, headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.contentType] = type
        return Response(status: .init(code: status), headers: h, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func html(_ text: String, status: Int = 200) -> Response { bytes(status, Array(text.utf8), type: "text/html; charset=utf-8") }

    static func json(_ value: JSON, status: Int = 200) -> Response { bytes(status, Array(value.pretty.utf8), type: "application/json") }

    static func redirect(_ location: String, headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.location] = location
        return Response(status: .seeOther, headers: h)
    }
}

/// A query string's pairs, percent-decoded (`+` as a space, as forms send
/// it); a malformed escape is kept as written.
enum Query {
    static func pairs(_ query: String?) -> [(String, String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        }
    }

    static func decode(_ s: Substring) -> String {
        var out: [UInt8] = []
        var u = Array(s.utf8)[...]
        while let b = u.first {
            u = u.dropFirst()
            if b == UInt8(ascii: "+") {
                out.append(0x20)
            } else if b == UInt8(ascii: "%"), u.count >= 2, let h = hex(u[u.startIndex]), let l = hex(u[u.startIndex + 1]) {
                out.append(h << 4 | l)
                u = u.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }

    /// Percent-encodes a query component (RFC 3986 unreserved kept).
    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}

/// The value for a CSP `script-src`: `'sha256-…'` of the inline script.
enum ScriptHash {
    static func of(_ script: String) -> String {
        let digest = Array(SHA256.hash(data: Array(script.utf8)))
        return "sha256-" + base64(digest)
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let chunk = (UInt32(bytes[i]) << 16) | (n > 1 ? UInt32(bytes[i + 1]) << 8 : 0) | (n > 2 ? UInt32(bytes[i + 2]) : 0)
            for k in 0..<4 {
                out.append(k <= n ? alphabet[Int((chunk >> (18 - 6 * UInt32(k))) & 63)] : UInt8(ascii: "="))
            }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
