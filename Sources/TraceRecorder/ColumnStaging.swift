import Glibc
import TraceFormat

/// Growable column storage for the drain loop's hot path: plain memory, no copy-on-write or
/// exclusivity checks per value (TableBuffer's nested arrays cost ~4x more per field at
/// millions of records per second). Turned into `ColumnData` once per chunk.
struct IntColumn {
    private(set) var base: UnsafeMutablePointer<Int64>?
    private(set) var count = 0
    private var capacity = 0

    @inline(__always)
    mutating func append(_ v: Int64) {
        if count == capacity { grow() }
        base.unsafelyUnwrapped[count] = v
        count += 1
    }

    private mutating func grow() {
        let newCapacity = max(1024, capacity * 2)
        let p = UnsafeMutablePointer<Int64>.allocate(capacity: newCapacity)
        if let old = base {
            p.update(from: old, count: count)
            old.deallocate()
        }
        base = p
        capacity = newCapacity
    }

    /// The values as an array; the column is emptied (its memory kept for the next chunk).
    mutating func take() -> [Int64] {
        defer { count = 0 }
        guard let base else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: count))
    }

    mutating func free() {
        base?.deallocate()
        base = nil
        count = 0
        capacity = 0
    }
}

/// A dictionary-encoded byte-string column. Values repeat a lot (comm, paths, rwbs): a small
/// direct-mapped cache keyed by a hash of the bytes finds the code of a recent value without
/// allocating; misses go to the dictionary.
struct BlobStaging {
    private var dictionary: [[UInt8]] = []
    private var index: [[UInt8]: UInt32] = [:]
    private var codes = IntColumn()
    private var cacheHash = [UInt64](repeating: 0, count: 256)
    private var cacheCode = [UInt32](repeating: UInt32.max, count: 256)

    var count: Int { codes.count }

    @inline(__always)
    mutating func append(_ p: UnsafeRawPointer, _ n: Int) {
        // FNV-1a.
        var h: UInt64 = 0xcbf29ce484222325
        for i in 0..<n { h = (h ^ UInt64(p.load(fromByteOffset: i, as: UInt8.self))) &* 0x100000001b3 }
        let slot = Int(truncatingIfNeeded: (h ^ (h >> 29)) & 255)
        let cached = cacheCode[slot]
        if cached != UInt32.max && cacheHash[slot] == h {
            let known = dictionary[Int(cached)]
            if known.count == n && (n == 0 || known.withUnsafeBytes({ memcmp($0.baseAddress!, p, n) == 0 })) {
                codes.append(Int64(cached))
                return
            }
        }
        let key = Array(UnsafeRawBufferPointer(start: p, count: n))
        let code: UInt32
        if let c = index[key] {
            code = c
        } else {
            code = UInt32(dictionary.count)
            dictionary.append(key)
            index[key] = code
        }
        cacheHash[slot] = h
        cacheCode[slot] = code
        codes.append(Int64(code))
    }

    mutating func take() -> BlobColumn {
        let column = BlobColumn(dictionary: dictionary, codes: codes.take().map { UInt32(truncatingIfNeeded: $0) })
        dictionary = []
        index = [:]
        for i in 0..<256 { cacheCode[i] = UInt32.max }
        return column
    }

    mutating func free() { codes.free() }
}
