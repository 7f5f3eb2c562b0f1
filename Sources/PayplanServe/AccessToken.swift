import PayplanCore

/// The workbench's access token: 32 bytes from the system's CSPRNG
/// (`SystemRandomNumberGenerator`: getrandom(2) on Linux, arc4random on
/// Darwin), written as 64 hex digits; or read from a file (`--token-file`)
/// so a bookmark survives restarts.
public struct AccessToken: Sendable {
    public let value: String

    public init(value: String) { self.value = value }

    public static func random() -> AccessToken {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for _ in 0..<4 {
            let word = generator.next() as UInt64
            for k in 0..<16 { out.append(digits[Int((word >> (UInt64(k) * 4)) & 15)]) }
        }
        return AccessToken(value: String(decoding: out, as: UTF8.self))
    }

    public enum FileError: Error, CustomStringConvertible {
        case unreadable(String, String)
        case unfit(String)

        public var description: String {
            switch self {
            case .unreadable(let file, let why): "\(file): cannot read the token: \(why)"
            case .unfit(let file):
                "\(file): a token is 16 to 256 characters of A–Z, a–z, 0–9, `-`, `_`, `.` or `~` (one line; generate one with `openssl rand -hex 32`)"
            }
        }
    }

    /// Reads a token file: one line, surrounding whitespace ignored. Only
    /// characters safe in a URL, a cookie and a header are accepted.
    public static func read(file: String) throws(FileError) -> AccessToken {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.readBytes(file, limit: 4096)
        } catch {
            throw .unreadable(file, error.reason)
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingSpace()
        let allowed = text.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E || b == 0x7E
        }
        guard allowed, (16...256).contains(text.utf8.count) else { throw .unfit(file) }
        return AccessToken(value: text)
    }

    /// Compares in time independent of where the texts differ (and of the
    /// candidate's length beyond the token's), so response timing does not
    /// reveal a prefix of the token.
    public func matches(_ candidate: Substring?) -> Bool {
        guard let candidate else { return false }
        let a = Array(value.utf8)
        let b = Array(candidate.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for k in 0..<a.count {
            difference |= a[k] ^ (k < b.count ? b[k] : 0)
        }
        return difference == 0
    }
}

extension String {
    func trimmingSpace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
