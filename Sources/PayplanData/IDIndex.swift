import CPrefetch
import PayplanCore

#if canImport(Glibc)
    import Glibc
#endif

/// Looks ids up by their bytes without building a `String` per row: an
/// open-addressing table whose slots hold the id's length and first eight
/// bytes, so an id of up to eight bytes is found with one memory access.
/// (A `[String: Int]` lookup with a String made per row halves the scan
/// speed; a slot → offset → bytes chain costs three cache misses.)
///
/// Ids are compared byte for byte, which for UTF-8 is code point by code
/// point (the data contract). An id listed twice is indexed once, at its
/// first position; `duplicates` says where the others were.
public struct IDIndex: Sendable {
    struct Slot {
        var index: Int32 = -1
        var length: Int32 = 0
        var prefix: UInt64 = 0
    }

    /// The slots (in raw memory on huge pages, see `HugePages`: looked up at
    /// random once per transaction row) and the ids' bytes.
    final class Storage: @unchecked Sendable {
        let slots: UnsafeMutablePointer<Slot>
        let capacity: Int
        /// False: ordinary memory, when huge pages could not be had.
        let onHugePages: Bool
        let blob: UnsafeMutablePointer<UInt8>
        /// blob[offsets[i] ..< offsets[i + 1]] is id i.
        let offsets: UnsafeMutablePointer<Int>

        init(capacity: Int, ids: Int, bytes: Int) {
            self.capacity = capacity
            if let raw = HugePages.allocate(bytes: capacity * MemoryLayout<Slot>.stride, zeroed: false) {
                slots = raw.bindMemory(to: Slot.self, capacity: capacity)
                onHugePages = true
            } else {
                slots = .allocate(capacity: capacity)
                onHugePages = false
            }
            slots.initialize(repeating: Slot(), count: capacity)
            blob = .allocate(capacity: max(bytes, 8))
            offsets = .allocate(capacity: ids + 1)
        }

        deinit {
            slots.deinitialize(count: capacity)
            if onHugePages { HugePages.deallocate(slots) } else { slots.deallocate() }
            blob.deallocate()
            offsets.deallocate()
        }
    }

    private let storage: Storage
    private let mask: Int
    /// Positions of ids equal to an earlier one, with that earlier position.
    public let duplicates: [(index: Int, first: Int)]

    public init(_ ids: [String]) {
        var capacity = 16
        while capacity < ids.count * 2 { capacity <<= 1 }
        let bytes = ids.reduce(0) { $0 + $1.utf8.count }
        let storage = Storage(capacity: capacity, ids: ids.count, bytes: bytes)
        let mask = capacity - 1
        var at = 0
        storage.offsets[0] = 0
        for (i, id) in ids.enumerated() {
            var id = id
            id.withUTF8 { u in
                if let b = u.baseAddress { (storage.blob + at).update(from: b, count: u.count) }
                at += u.count
            }
            storage.offsets[i + 1] = at
        }
        // Hashes first, then the slots filled with each one fetched 16 ids
        // ahead: a million ids' slots are 32 MB, touched at random.
        let hashes = ids.indices.map { i in
            let (s, e) = (storage.offsets[i], storage.offsets[i + 1])
            return IDIndex.hash(prefix: IDIndex.prefix(storage.blob, s, e), storage.blob, s, e) & mask
        }
        var found: [(Int, Int)] = []
        for index in ids.indices {
            if index + 16 < hashes.count { payplan_prefetch(storage.slots + hashes[index + 16]) }
            let (s, e) = (storage.offsets[index], storage.offsets[index + 1])
            let prefix = IDIndex.prefix(storage.blob, s, e)
            var h = hashes[index]
            var first: Int?
            while storage.slots[h].index >= 0 {
                let slot = storage.slots[h]
                if Int(slot.length) == e - s && slot.prefix == prefix {
                    let other = storage.offsets[Int(slot.index)]
                    if e - s <= 8 || memcmp(storage.blob + other + 8, storage.blob + s + 8, e - s - 8) == 0 {
                        first = Int(slot.index)
                        break
                    }
                }
                h = (h + 1) & mask
            }
            if let first {
                found.append((index, first))
            } else {
                storage.slots[h] = Slot(index: Int32(index), length: Int32(e - s), prefix: prefix)
            }
        }
        self.storage = storage
        self.mask = mask
        duplicates = found
    }

    /// Raw-pointer access for hot loops, valid while this index lives.
    var lookup: IDLookup { IDLookup(blob: storage.blob, offsets: storage.offsets, slots: storage.slots, mask: mask) }

    /// The id's first eight bytes, little-endian, zero-padded. When eight
    /// bytes from `start` lie before `limit` (inside the mapped file), one
    /// load reads them.
    @inline(__always)
    static func prefix(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, limit: Int = 0) -> UInt64 {
        let length = end - start
        if start + 8 <= max(limit, end) {
            let w = UInt64(littleEndian: UnsafeRawPointer(p + start).loadUnaligned(as: UInt64.self))
            return length >= 8 ? w : w & ((UInt64(1) << UInt64(length &* 8)) &- 1)
        }
        var v: UInt64 = 0
        var i = 0
        while i < 8 && start + i < end {
            v |= UInt64(p[start + i]) << UInt64(8 * i)
            i += 1
        }
        return v
    }

    /// Mixes the prefix with the length and any bytes after the eighth: ids
    /// of up to eight bytes (the usual `R000123`) hash without a byte loop.
    @inline(__always)
    static func hash(prefix: UInt64, _ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var h = (prefix ^ (UInt64(truncatingIfNeeded: end - start) &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        var i = start + 8
        while i < end {
            h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3
            i += 1
        }
        h ^= h >> 31
        h = h &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// The index of the id spelled by these bytes.
    public func lookup(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        withExtendedLifetime(storage) { lookup.find(p, start, end) }
    }

    public func lookup(_ text: String) -> Int? {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else {
                // The empty id (a blank cell) still needs a valid pointer.
                let zero: UInt8 = 0
                return withUnsafePointer(to: zero) { lookup($0, 0, 0) }
            }
            return lookup(base, 0, bytes.count)
        }
    }
}

/// Raw-pointer view of an `IDIndex`, valid while the index lives.
struct IDLookup {
    let blob: UnsafePointer<UInt8>
    let offsets: UnsafePointer<Int>
    let slots: UnsafePointer<IDIndex.Slot>
    let mask: Int

    init(blob: UnsafeMutablePointer<UInt8>, offsets: UnsafeMutablePointer<Int>, slots: UnsafeMutablePointer<IDIndex.Slot>, mask: Int) {
        self.blob = UnsafePointer(blob)
        self.offsets = UnsafePointer(offsets)
        self.slots = UnsafePointer(slots)
        self.mask = mask
    }

    /// Asks for the hash slot of the id spelled by these bytes, so that its
    /// lookup a moment later finds it in cache. A hint only.
    @inline(__always)
    func prefetch(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, limit: Int) {
        payplan_prefetch(slots + (IDIndex.hash(prefix: IDIndex.prefix(p, start, end, limit: limit), p, start, end) & mask))
    }

    /// `limit`: bytes up to it may be read (the end of the mapped file).
    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, limit: Int = 0) -> Int? {
        let length = end - start
        let prefix = IDIndex.prefix(p, start, end, limit: limit)
        var h = IDIndex.hash(prefix: prefix, p, start, end) & mask
        while true {
            let slot = slots[h]
            if slot.index < 0 { return nil }
            if Int(slot.length) == length && slot.prefix == prefix {
                if length <= 8 { return Int(slot.index) }
                let ks = offsets[Int(slot.index)]
                if memcmp(blob + ks + 8, p + start + 8, length - 8) == 0 { return Int(slot.index) }
            }
            h = (h + 1) & mask
        }
    }
}
