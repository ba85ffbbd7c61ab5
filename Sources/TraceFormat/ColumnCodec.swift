/// How one column's bytes are laid out in a chunk. The writer picks, per chunk and column, the
/// smallest of the integer encodings; every encoding but `constant` is then offered to zstd.
public enum ColumnEncoding: UInt8, Sendable {
    /// Every row holds the column's min; no data.
    case constant = 0
    /// Frame of reference: value − min, `width` bytes each, byte-shuffled.
    case offset = 1
    /// Zigzag of the difference from the previous row (the first from min), `width` bytes each,
    /// byte-shuffled: timestamps and ids that arrive slightly out of order stay small.
    case delta = 2
    /// Distinct byte strings once (u32 count, then u32 length + bytes each), then a code per row
    /// as in `offset`.
    case dictionary = 3

    static let zstdFlag: UInt8 = 0x80
}

/// Min/max of a column in one chunk, in the column's own order (unsigned for u* columns), kept
/// in the chunk header and the footer so scans skip chunks without decompressing them. For
/// strings: 0 and the number of distinct values.
public struct ColumnStats: Sendable, Equatable {
    public var min: Int64
    public var max: Int64

    /// Whether some row may hold a value in `range` (inclusive, in the column's order).
    public func mayContain(_ value: Int64, unsigned: Bool) -> Bool {
        if unsigned {
            let v = UInt64(bitPattern: value)
            return v >= UInt64(bitPattern: min) && v <= UInt64(bitPattern: max)
        }
        return value >= min && value <= max
    }
}

/// One encoded column, ready to be laid into a chunk.
struct EncodedColumn {
    var encoding: UInt8
    var width: UInt8
    var stats: ColumnStats
    var rawLength: Int
    var data: [UInt8]
}

enum ColumnCodec {
    static func byteWidth(_ x: UInt64) -> Int {
        x == 0 ? 0 : x < 1 << 8 ? 1 : x < 1 << 16 ? 2 : x < 1 << 32 ? 4 : 8
    }

    static func zigzag(_ d: UInt64) -> UInt64 {
        let s = Int64(bitPattern: d)
        return UInt64(bitPattern: (s << 1) ^ (s >> 63))
    }

    static func unzigzag(_ z: UInt64) -> UInt64 {
        (z >> 1) ^ (0 &- (z & 1))
    }

    static func stats(_ values: [Int64], unsigned: Bool) -> ColumnStats {
        guard var lo = values.first else { return ColumnStats(min: 0, max: 0) }
        var hi = lo
        if unsigned {
            var ulo = UInt64(bitPattern: lo), uhi = ulo
            for v in values {
                let u = UInt64(bitPattern: v)
                if u < ulo { ulo = u }
                if u > uhi { uhi = u }
            }
            lo = Int64(bitPattern: ulo)
            hi = Int64(bitPattern: uhi)
        } else {
            for v in values {
                if v < lo { lo = v }
                if v > hi { hi = v }
            }
        }
        return ColumnStats(min: lo, max: hi)
    }

    /// Writes `values` as `width`-byte little-endian integers, byte-shuffled: all low bytes first.
    static func shuffle(_ values: [UInt64], width: Int) -> [UInt8] {
        let n = values.count
        var out = [UInt8](repeating: 0, count: n * width)
        out.withUnsafeMutableBufferPointer { o in
            values.withUnsafeBufferPointer { v in
                for b in 0..<width {
                    let shift = UInt64(8 * b)
                    let base = b * n
                    for i in 0..<n { o[base + i] = UInt8(truncatingIfNeeded: v[i] >> shift) }
                }
            }
        }
        return out
    }

    static func unshuffle(_ bytes: UnsafeRawBufferPointer, count n: Int, width: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { o in
            for b in 0..<width {
                let shift = UInt64(8 * b)
                let base = b * n
                for i in 0..<n { o[i] |= UInt64(bytes[base + i]) << shift }
            }
        }
        return out
    }

    /// One byte plane at a time into the output (sequential reads and writes), then the base.
    /// This is the analyzer's inner loop: every integer it reads passes through here.
    static func unpackOffsets(_ bytes: UnsafeRawBufferPointer, count n: Int, width: Int, base: UInt64) -> [Int64] {
        [Int64](unsafeUninitializedCapacity: n) { out, initialized in
            guard n > 0, let src = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), let o = out.baseAddress else {
                initialized = 0
                return
            }
            // Plane b of the shuffled data starts at src + b * n. Wrapping shifts and pointer
            // arithmetic keep the loops free of checks so they vectorise.
            switch width {
            case 1:
                for i in 0..<n { o[i] = Int64(bitPattern: base &+ UInt64(src[i])) }
            case 2:
                let p1 = src + n
                for i in 0..<n { o[i] = Int64(bitPattern: base &+ (UInt64(src[i]) | UInt64(p1[i]) &<< 8)) }
            case 4:
                let p1 = src + n, p2 = src + 2 * n, p3 = src + 3 * n
                for i in 0..<n {
                    let v = UInt64(src[i]) | UInt64(p1[i]) &<< 8 | UInt64(p2[i]) &<< 16 | UInt64(p3[i]) &<< 24
                    o[i] = Int64(bitPattern: base &+ v)
                }
            default:
                for i in 0..<n { o[i] = Int64(bitPattern: base &+ UInt64(src[i])) }
                for b in 1..<width {
                    let plane = src + b * n
                    let shift = UInt64(8 * b)
                    for i in 0..<n { o[i] = Int64(bitPattern: UInt64(bitPattern: o[i]) &+ (UInt64(plane[i]) &<< shift)) }
                }
            }
            initialized = n
        }
    }

    static func unpackDeltas(_ bytes: UnsafeRawBufferPointer, count n: Int, width: Int, base: UInt64) -> [Int64] {
        var values = unpackOffsets(bytes, count: n, width: width, base: 0)
        values.withUnsafeMutableBufferPointer { v in
            var previous = base
            for i in 0..<n {
                previous = previous &+ unzigzag(UInt64(bitPattern: v[i]))
                v[i] = Int64(bitPattern: previous)
            }
        }
        return values
    }

    static func encodeInts(_ values: [Int64], unsigned: Bool) -> EncodedColumn {
        let stats = stats(values, unsigned: unsigned)
        let base = UInt64(bitPattern: stats.min)
        let range = UInt64(bitPattern: stats.max) &- base
        if range == 0 {
            return EncodedColumn(encoding: ColumnEncoding.constant.rawValue, width: 0, stats: stats, rawLength: 0, data: [])
        }
        var maxZigzag: UInt64 = 0
        var previous = base
        for v in values {
            let u = UInt64(bitPattern: v)
            let z = zigzag(u &- previous)
            if z > maxZigzag { maxZigzag = z }
            previous = u
        }
        let offsetWidth = byteWidth(range)
        let deltaWidth = max(1, byteWidth(maxZigzag))
        if deltaWidth < offsetWidth {
            var previous = base
            let deltas = values.map { v -> UInt64 in
                let u = UInt64(bitPattern: v)
                defer { previous = u }
                return zigzag(u &- previous)
            }
            let data = shuffle(deltas, width: deltaWidth)
            return EncodedColumn(encoding: ColumnEncoding.delta.rawValue, width: UInt8(deltaWidth), stats: stats, rawLength: data.count, data: data)
        }
        let data = shuffle(values.map { UInt64(bitPattern: $0) &- base }, width: offsetWidth)
        return EncodedColumn(encoding: ColumnEncoding.offset.rawValue, width: UInt8(offsetWidth), stats: stats, rawLength: data.count, data: data)
    }

    static func encodeBlobs(_ column: BlobColumn) -> EncodedColumn {
        var w = ByteWriter(capacity: column.dictionary.reduce(4) { $0 + 4 + $1.count } + column.codes.count)
        w.u32(UInt32(column.dictionary.count))
        for entry in column.dictionary { w.blob(entry) }
        let width = max(1, byteWidth(UInt64(max(0, column.dictionary.count - 1))))
        w.raw(shuffle(column.codes.map { UInt64($0) }, width: width))
        let stats = ColumnStats(min: 0, max: Int64(column.dictionary.count))
        return EncodedColumn(encoding: ColumnEncoding.dictionary.rawValue, width: UInt8(width), stats: stats, rawLength: w.count, data: w.bytes)
    }

    /// Decodes `rows` values from a column's decompressed bytes.
    static func decode(_ raw: UnsafeRawBufferPointer, encoding: ColumnEncoding, width: Int, rows: Int, stats: ColumnStats) throws(DecodeError) -> ColumnData {
        switch encoding {
        case .constant:
            return .ints(Array(repeating: stats.min, count: rows))
        case .offset, .delta:
            guard [1, 2, 4, 8].contains(width) else { throw DecodeError(relativeOffset: 0, message: "integer width \(width) is not 1, 2, 4 or 8") }
            guard raw.count == rows * width else { throw DecodeError(relativeOffset: 0, message: "column holds \(raw.count) bytes, \(rows) rows of \(width) need \(rows * width)") }
            let base = UInt64(bitPattern: stats.min)
            return .ints(encoding == .offset ? unpackOffsets(raw, count: rows, width: width, base: base)
                                             : unpackDeltas(raw, count: rows, width: width, base: base))
        case .dictionary:
            var r = ByteReader(raw)
            let count = Int(try r.u32("dictionary size"))
            // Each entry takes at least its 4-byte length.
            guard count <= r.remaining / 4 + 1 else { throw DecodeError(relativeOffset: 0, message: "dictionary of \(count) entries in \(raw.count) bytes") }
            var dictionary: [[UInt8]] = []
            dictionary.reserveCapacity(count)
            for i in 0..<count { dictionary.append(try r.blob(limit: r.remaining, "dictionary entry \(i)")) }
            guard [1, 2, 4, 8].contains(width) else { throw DecodeError(relativeOffset: r.position, message: "code width \(width) is not 1, 2, 4 or 8") }
            let codeBytes = try r.slice(rows * width, "dictionary codes")
            let codes = unshuffle(codeBytes, count: rows, width: width)
            var out = [UInt32](repeating: 0, count: rows)
            for i in 0..<rows {
                guard codes[i] < UInt64(count) else { throw DecodeError(relativeOffset: 0, message: "row \(i) has code \(codes[i]) in a dictionary of \(count)") }
                out[i] = UInt32(codes[i])
            }
            return .blobs(BlobColumn(dictionary: dictionary, codes: out))
        }
    }
}
