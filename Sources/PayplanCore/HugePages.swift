#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Memory for large tables read at random (the transaction scan's id hash
/// slots and per-rep accumulator cells, the evaluator's slot values), backed
/// by transparent huge pages where Linux offers them. With 4 KiB pages every
/// random access also missed the TLB (tens of MB touched at random cover far
/// more pages than the TLB maps), and the first touch of each page faulted:
/// 140 MB of slot values took ~35,000 faults per period. Falls back to
/// ordinary pages silently.
public enum HugePages {
    static let size = 2 << 20

    /// `bytes` of memory aligned to 64, zeroed unless `zeroed` is false;
    /// nil when the system cannot give that much (the tables are sized by
    /// the data, so a huge reps file must be an error, not a crash).
    public static func allocate(bytes: Int, zeroed: Bool = true, huge: Bool = true) -> UnsafeMutableRawPointer? {
        let count = max(bytes, 64)
        // Huge pages only pay for tables bigger than one of them.
        let alignment = huge && count >= size ? size : 64
        var address: UnsafeMutableRawPointer?
        guard posix_memalign(&address, alignment, count) == 0, let address else { return nil }
        #if os(Linux)
            if alignment == size { _ = madvise(address, count, MADV_HUGEPAGE) }
        #endif
        if zeroed { memset(address, 0, count) }
        return address
    }

    public static func deallocate(_ address: UnsafeMutableRawPointer) { free(address) }
}
