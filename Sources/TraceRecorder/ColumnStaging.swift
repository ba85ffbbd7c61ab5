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

/// A dictionary-encoded byte-string column: the shared dictionary, codes in plain memory.
struct BlobStaging {
    private var dictionary = BlobDictionary()
    private var codes = IntColumn()

    var count: Int { codes.count }

    @inline(__always)
    mutating func append(_ p: UnsafeRawPointer, _ n: Int) {
        codes.append(Int64(dictionary.code(p, n)))
    }

    mutating func take() -> BlobColumn {
        BlobColumn(dictionary: dictionary.take(), codes: codes.take().map { UInt32(truncatingIfNeeded: $0) })
    }

    mutating func free() { codes.free() }
}
