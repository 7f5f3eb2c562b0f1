import Crypto
import Foundation
import PayplanCompiler
import PayplanCore
import ZIPFoundation

/// Values carried from a closed period to later ones, as bytes: a tag, then
/// the payload. Numbers keep their exact numerator and denominator (Int128
/// each, little-endian), so what is read back is what was computed.
enum ValueCodec {
    static func encode(_ values: [Value]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 33)
        for v in values { append(v, to: &out) }
        return out
    }

    static func append(_ v: Value, to out: inout [UInt8]) {
        switch v {
        case .missing: out.append(0)
        case .number(let x):
            out.append(1)
            appendInt128(x.numeratorValue, &out)
            appendInt128(x.denominatorValue, &out)
        case .date(let d):
            out.append(2)
            withUnsafeBytes(of: d.dayNumber.littleEndian) { out.append(contentsOf: $0) }
        case .text(let s):
            out.append(3)
            let bytes = Array(s.utf8)
            withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: bytes)
        case .bool(let b): out.append(b ? 5 : 4)
        }
    }

    static func appendInt128(_ x: Int128, _ out: inout [UInt8]) {
        withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
    }

    /// nil when the bytes are not a list of `count` values (a damaged row).
    static func decode(_ bytes: Data, count: Int) -> [Value]? {
        var values: [Value] = []
        values.reserveCapacity(count)
        let ok = bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Bool in
            var i = 0
            func need(_ n: Int) -> Bool { i + n <= raw.count }
            while i < raw.count {
                let tag = raw[i]
                i += 1
                switch tag {
                case 0: values.append(.missing)
                case 1:
                    guard need(32) else { return false }
                    let n = raw.loadUnaligned(fromByteOffset: i, as: Int128.self).littleEndian
                    let d = raw.loadUnaligned(fromByteOffset: i + 16, as: Int128.self).littleEndian
                    i += 32
                    guard let x = try? Exact(numerator: n, denominator: d) else { return false }
                    values.append(.number(x))
                case 2:
                    guard need(4) else { return false }
                    values.append(.date(CivilDate(dayNumber: raw.loadUnaligned(fromByteOffset: i, as: Int32.self).littleEndian)))
                    i += 4
                case 3:
                    guard need(4) else { return false }
                    let n = Int(raw.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian)
                    i += 4
                    guard need(n) else { return false }
                    values.append(.text(String(decoding: UnsafeRawBufferPointer(rebasing: raw[i..<(i + n)]), as: UTF8.self)))
                    i += n
                case 4, 5: values.append(.bool(tag == 5))
                default: return false
                }
            }
            return true
        }
        return ok && values.count == count ? values : nil
    }
}

enum Hex {
    static func string<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func sha256(_ bytes: some DataProtocol) -> String { string(SHA256.hash(data: bytes)) }
}

/// SHA-256 over fields, each length-prefixed so no two lists of fields hash
/// alike.
struct FieldHasher {
    var hasher = SHA256()

    mutating func add(_ s: String) { add(bytes: Array(s.utf8)) }

    mutating func add(_ i: Int) { add(String(i)) }

    mutating func add(bytes: some DataProtocol) {
        withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: bytes)
    }

    func finish() -> String { Hex.string(hasher.finalize()) }
}

/// Raw deflate through ZIPFoundation (zlib), for the traces.
enum Deflate {
    static func compress(_ bytes: [UInt8]) -> Data? {
        let input = Data(bytes)
        var output = Data()
        do {
            _ = try Data.compress(
                size: Int64(input.count), bufferSize: 1 << 16,
                provider: { position, size in input.subdata(in: Int(position)..<min(input.count, Int(position) + size)) },
                consumer: { output.append($0) })
        } catch {
            return nil
        }
        return output
    }

    static func decompress(_ data: Data) -> Data? {
        var output = Data()
        do {
            _ = try Data.decompress(
                size: Int64(data.count), bufferSize: 1 << 16, skipCRC32: true,
                provider: { position, size in data.subdata(in: min(data.count, Int(position))..<min(data.count, Int(position) + size)) },
                consumer: { output.append($0) })
        } catch {
            return nil
        }
        return output
    }
}
