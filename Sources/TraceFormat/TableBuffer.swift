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
                out.append(.blobs(blobs[i].take()))
            }
        }
        return out
    }
}

/// A byte-string column being gathered: its dictionary and its codes.
struct BlobBuilder: Sendable {
    private var dictionary = BlobDictionary()
    private(set) var codes: [UInt32] = []

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if let base = bytes.baseAddress {
            codes.append(dictionary.code(base, bytes.count))
        } else {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { codes.append(dictionary.code($0.baseAddress!, 0)) }
        }
    }

    mutating func take() -> BlobColumn {
        defer { codes = [] }
        return BlobColumn(dictionary: dictionary.take(), codes: codes)
    }
}
