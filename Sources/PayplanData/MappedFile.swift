import PayplanCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only view of a whole file. Large files are memory-mapped so a
/// 600 MB transaction export is scanned in place, never copied into the heap.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeBufferPointer<UInt8>
    private let mapped: Bool

    public init(path: String) throws(FileError) {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw FileError(path: path, reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno)))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw FileError(path: path, reason: "is a directory, not a file") }
        if (info.st_mode & S_IFMT) != S_IFREG {
            // Pipes and devices cannot be mapped; read them.
            let data = try FileReader.readBytes(path)
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(data.count, 1))
            _ = buffer.initialize(from: data)
            bytes = UnsafeBufferPointer(start: buffer.baseAddress, count: data.count)
            mapped = false
            return
        }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeBufferPointer(start: nil, count: 0)
            mapped = false
            return
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileError(path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw FileError(path: path, reason: "cannot map: \(String(cString: strerror(errno)))")
        }
        _ = madvise(address, size, MADV_SEQUENTIAL)
        bytes = UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: size)
        mapped = true
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else {
            UnsafeMutablePointer(mutating: base).deallocate()
        }
    }
}
