import Foundation
import PayplanCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh temporary directory, removed after `body`.
func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
    let dir = NSTemporaryDirectory() + "payplan-core-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try body(dir)
}

func readError(_ path: String, limit: Int? = nil) -> String? {
    do throws(FileError) {
        _ = try FileReader.readBytes(path, limit: limit)
        return nil
    } catch {
        return error.description
    }
}

@Suite("FileReader and AtomicFileWriter")
struct AtomicFileTests {
    @Test func readsRegularFilesWhole() throws {
        try withTemporaryDirectory { (dir: String) throws in
            // Larger than one 64 KiB read, with every byte value.
            let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/big.bin"))
            #expect(try FileReader.readBytes(dir + "/big.bin") == bytes)
            #expect(try FileReader.readBytes(dir + "/big.bin", limit: 200_000) == bytes, "exactly the limit is fine")
            _ = FileManager.default.createFile(atPath: dir + "/empty", contents: Data())
            #expect(try FileReader.readBytes(dir + "/empty") == [])
        }
    }

    @Test func plainWordErrors() throws {
        try withTemporaryDirectory { (dir: String) throws in
            _ = FileManager.default.createFile(atPath: dir + "/f", contents: Data(repeating: 65, count: 10))
            #expect(readError(dir + "/missing") == dir + "/missing: no such file")
            #expect(readError(dir) == dir + ": is a directory, not a file")
            #expect(readError(dir + "/f", limit: 9) == dir + "/f: is larger than the limit of 9 bytes (Limits.planFileBytes)")
            #expect(readError("/dev/null") == "/dev/null: is not a regular file (a character device)")
            #expect(FileReader.exists(dir + "/f") && !FileReader.exists(dir + "/missing"))
            #expect(FileReader.isDirectory(dir) && !FileReader.isDirectory(dir + "/f"))
        }
    }

    /// A FIFO nobody writes to reads as empty instead of hanging.
    @Test func fifoWithoutWriterIsEmpty() throws {
        try withTemporaryDirectory { (dir: String) throws in
            let path = dir + "/pipe"
            #expect(mkfifo(path, 0o600) == 0)
            #expect(try FileReader.readBytes(path) == [])
        }
    }

    /// The writer's basics: the bytes arrive whole and no temporary file is
    /// left beside them.
    @Test func atomicWriteLeavesOnlyTheTarget() throws {
        try withTemporaryDirectory { (dir: String) throws in
            try AtomicFileWriter.write("payout,1.00\n陈,2\n", to: dir + "/out.csv")
            #expect(try FileReader.readBytes(dir + "/out.csv") == Array("payout,1.00\n陈,2\n".utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.csv"])
        }
    }

    @Test func fileKinds() {
        #expect(FileKind.describe(S_IFIFO) == "a FIFO" && FileKind.describe(S_IFCHR) == "a character device")
        #expect(FileKind.describe(S_IFSOCK) == "a socket" && FileKind.describe(S_IFBLK) == "a block device")
    }
}
