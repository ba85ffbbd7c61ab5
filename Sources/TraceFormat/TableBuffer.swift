/// Rows of one table being gathered for the next chunk. Column-major: the recorder appends a
/// field at a time; `takeColumns()` hands the finished columns to the encoder and starts over.
public struct TableBuffer: Sendable {
    public let tableID: UInt32
    public let schema: TableSchema
    private var ints: [[Int64]]
    private var blobs: [BlobBuilder]

    public init(tableID: UInt32, schema: TableSchema, reserve: Int = 0) {
        self.tableID = tableID
        self.schema = schema
        ints = schema.columns.map { c in
            var a: [Int64] = []
            if c.type.isInteger { a.reserveCapacity(reserve) }
            return a
        }
        blobs = schema.columns.map { _ in BlobBuilder() }
    }

    /// Rows appended so far (the length of the first column).
    public var rowCount: Int {
        guard let first = schema.columns.first else { return 0 }
        return first.type.isInteger ? ints[0].count : blobs[0].codes.count
    }

    public mutating func append(int value: Int64, column: Int) { ints[column].append(value) }
    public mutating func append(uint value: UInt64, column: Int) { ints[column].append(Int64(bitPattern: value)) }

    /// Appends a byte string, cut to the column's `max`.
    public mutating func append(bytes: UnsafeRawBufferPointer, column: Int) {
        let limit = schema.columns[column].max ?? Int.max
        let cut = bytes.count > limit ? UnsafeRawBufferPointer(rebasing: bytes[0..<limit]) : bytes
        blobs[column].append(cut)
    }
    public mutating func append(bytes: [UInt8], column: Int) {
        bytes.withUnsafeBytes { append(bytes: $0, column: column) }
    }
    public mutating func append(string: String, column: Int) {
        var s = string
        s.withUTF8 { append(bytes: UnsafeRawBufferPointer($0), column: column) }
    }

    /// Appends one whole row; values must match the column types in order.
    public mutating func append(row: [ColumnValue]) {
        precondition(row.count == schema.columns.count, "row of \(row.count) values for \(schema.name) with \(schema.columns.count) columns")
        for (i, v) in row.enumerated() {
            switch (v, schema.columns[i].type.isInteger) {
            case (.int(let x), true): append(int: x, column: i)
            case (.bytes(let b), false): append(bytes: b, column: i)
            default: preconditionFailure("value \(v) does not fit column \(schema.columns[i].name) of \(schema.name)")
            }
        }
    }

    /// The gathered columns in schema order, leaving the buffer empty.
    public mutating func takeColumns() -> [ColumnData] {
        var out: [ColumnData] = []
        out.reserveCapacity(schema.columns.count)
        for (i, c) in schema.columns.enumerated() {
            if c.type.isInteger {
                out.append(.ints(ints[i]))
                ints[i].removeAll(keepingCapacity: true)
            } else {
                out.append(.blobs(blobs[i].column))
                blobs[i] = BlobBuilder()
            }
        }
        return out
    }
}

/// Builds a dictionary column: each distinct byte string is stored once. This is on the
/// recorder's hot path (two comm strings per context switch), so values of up to 32 bytes are
/// looked up by an inline key without allocating, and a repeat of the previous value skips the
/// lookup altogether.
struct BlobBuilder: Sendable {
    private var small: [SmallKey: UInt32] = [:]
    private var large: [[UInt8]: UInt32] = [:]
    /// Direct-mapped cache in front of `small`: comm strings of a busy CPU repeat from a small set,
    /// and Swift's seeded hashing costs more than the whole append.
    private var recent = [CachedCode](repeating: CachedCode(), count: 64)
    private(set) var column = BlobColumn()

    var codes: [UInt32] { column.codes }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if let key = SmallKey(bytes) {
            let slot = key.slot
            if recent[slot].valid && recent[slot].key == key {
                column.codes.append(recent[slot].code)
                return
            }
            let code: UInt32
            if let c = small[key] {
                code = c
            } else {
                code = UInt32(column.dictionary.count)
                small[key] = code
                column.dictionary.append(Array(bytes))
            }
            recent[slot] = CachedCode(key: key, code: code, valid: true)
            column.codes.append(code)
            return
        }
        let key = Array(bytes)
        if let code = large[key] {
            column.codes.append(code)
        } else {
            let code = UInt32(column.dictionary.count)
            large[key] = code
            column.dictionary.append(key)
            column.codes.append(code)
        }
    }
}

struct CachedCode: Sendable {
    var key = SmallKey()
    var code: UInt32 = 0
    var valid = false
}

/// Up to 32 bytes held inline, with the length, as a dictionary key.
struct SmallKey: Hashable, Sendable {
    var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, d: UInt64 = 0
    var length: UInt8

    init() { length = 0 }

    /// Index into a 64-entry cache.
    var slot: Int {
        let h = (a ^ (b &* 31) ^ (c &* 961) ^ d ^ UInt64(length)) &* 0x9E37_79B9_7F4A_7C15
        return Int(h >> 58)
    }

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= 32 else { return nil }
        length = UInt8(bytes.count)
        var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &words) { w in
            if let base = bytes.baseAddress, bytes.count > 0 { w.baseAddress!.copyMemory(from: base, byteCount: bytes.count) }
        }
        (a, b, c, d) = words
    }
}
