import TraceFormat

/// The decoded, window-filtered rows of one chunk: only the projected columns, in file order.
public struct Batch: Sendable {
    public let table: String
    public let count: Int
    public let columns: [String: ColumnData]

    public init(table: String, count: Int, columns: [String: ColumnData]) {
        self.table = table
        self.count = count
        self.columns = columns
    }

    /// An integer column (all zeros when the recording's table lacks it, e.g. an older schema).
    public func ints(_ name: String) -> [Int64] {
        if case .ints(let v)? = columns[name] { return v }
        return Array(repeating: 0, count: count)
    }

    /// A string column (all empty when absent).
    public func blobs(_ name: String) -> BlobColumn {
        if case .blobs(let b)? = columns[name] { return b }
        return BlobColumn(dictionary: [[]], codes: Array(repeating: 0, count: count))
    }

    /// Keeps the rows whose indices are listed (ascending).
    func selecting(_ rows: [Int]) -> Batch {
        if rows.count == count { return self }
        var out: [String: ColumnData] = [:]
        for (name, data) in columns {
            switch data {
            case .ints(let v): out[name] = .ints(rows.map { v[$0] })
            case .blobs(let b): out[name] = .blobs(BlobColumn(dictionary: b.dictionary, codes: rows.map { b.codes[$0] }))
            }
        }
        return Batch(table: table, count: rows.count, columns: out)
    }
}
