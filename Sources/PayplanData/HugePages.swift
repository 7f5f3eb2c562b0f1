#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Zeroed memory for tables the transaction scan reads at random (the id
/// hash slots, the per-rep accumulator cells), backed by transparent huge
/// pages where Linux offers them. With 4 KiB pages every row's two random
/// accesses also missed the TLB: tens of MB touched at random cover far more
/// pages than the TLB maps. Falls back to ordinary pages silently.
enum HugePages {
    static let size = 2 << 20

    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let count = max(bytes, 64)
        // Huge pages only pay for tables bigger than one of them.
        let alignment = count >= size ? size : 64
        var address: UnsafeMutableRawPointer?
        guard posix_memalign(&address, alignment, count) == 0, let address else {
            fatalError("out of memory allocating \(count) bytes")
        }
        #if os(Linux)
            if alignment == size { _ = madvise(address, count, MADV_HUGEPAGE) }
        #endif
        memset(address, 0, count)
        return address
    }

    static func deallocate(_ address: UnsafeMutableRawPointer) { free(address) }
}
