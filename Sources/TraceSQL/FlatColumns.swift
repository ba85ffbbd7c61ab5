import TraceFormat

/// A decoded chunk's columns laid out flat for xColumn, which SQLite calls once per value:
/// integers in one buffer per column, strings as one byte buffer with offsets per dictionary
/// entry and a code per row. Reading a value is then pointer arithmetic, with no reference
/// counting on the query thread. Built on the decoding thread; freed with the chunk.
final class FlatColumns: @unchecked Sendable {
    // @unchecked: written once on the decoding thread, then only read by the query thread.
    struct Strings {
        var bytes: UnsafeMutableBufferPointer<UInt8>
        /// Entry k spans offsets[k] ..< offsets[k + 1].
        var offsets: UnsafeMutableBufferPointer<Int>
        var codes: UnsafeMutableBufferPointer<UInt32>
    }

    let ints: [UnsafeMutableBufferPointer<Int64>?]
    let strings: [Strings?]

    init(ints: [[Int64]?], blobs: [BlobColumn?]) {
        self.ints = ints.map { v in
            v.map { a in
                let p = UnsafeMutableBufferPointer<Int64>.allocate(capacity: max(1, a.count))
                _ = p.initialize(from: a)
                return p
            }
        }
        strings = blobs.map { b in
            b.map { col in
                let total = col.dictionary.reduce(0) { $0 + $1.count }
                let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, total))
                let offsets = UnsafeMutableBufferPointer<Int>.allocate(capacity: col.dictionary.count + 1)
                var at = 0
                for (k, entry) in col.dictionary.enumerated() {
                    offsets[k] = at
                    for (j, byte) in entry.enumerated() { bytes[at + j] = byte }
                    at += entry.count
                }
                offsets[col.dictionary.count] = at
                let codes = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(1, col.codes.count))
                _ = codes.initialize(from: col.codes)
                return Strings(bytes: bytes, offsets: offsets, codes: codes)
            }
        }
    }

    deinit {
        for p in ints { p?.deallocate() }
        for s in strings {
            s?.bytes.deallocate()
            s?.offsets.deallocate()
            s?.codes.deallocate()
        }
    }
}
