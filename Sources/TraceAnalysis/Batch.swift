import TraceFormat

/// The decoded, window-filtered rows of one chunk: only the projected columns, in file order.
public struct Batch: Sendable {
    public let table: String
    public let count: Int
    public let columns: [String: ColumnData]
    /// The integer columns in the order the scan asked for them (empty for string columns),
    /// so per-row code indexes an array instead of hashing a column name.
    public let ordered: [[Int64]]
    /// The string columns in the same order (empty for integer columns).
    public let orderedBlobs: [BlobColumn]
    let unread: Set<String>

    /// `unread`: columns of `order` the scan did not decode. They stay empty, so a typed row
    /// that reads one it did not ask for traps instead of reading zeros.
    public init(table: String, count: Int, columns: [String: ColumnData], order: [String] = [], unread: Set<String> = []) {
        self.table = table
        self.count = count
        self.columns = columns
        self.unread = unread
        var ints: [[Int64]] = [], blobs: [BlobColumn] = []
        for name in order {
            switch columns[name] {
            case .ints(let v)?: ints.append(v); blobs.append(BlobColumn())
            case .blobs(let b)?: ints.append([]); blobs.append(b)
            case nil where unread.contains(name):
                ints.append([])
                blobs.append(BlobColumn())
            case nil:
                // A column the recording's table lacks reads as zeros / empty strings.
                ints.append(Array(repeating: 0, count: count))
                blobs.append(BlobColumn(dictionary: [[]], codes: Array(repeating: 0, count: count)))
            }
        }
        ordered = ints
        orderedBlobs = blobs
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

    /// Keeps the rows whose indices are listed (ascending), ordering columns as `order` says.
    func selecting(_ rows: [Int], order: [String]) -> Batch {
        if rows.count == count { return Batch(table: table, count: count, columns: columns, order: order, unread: unread) }
        var out: [String: ColumnData] = [:]
        for (name, data) in columns {
            switch data {
            case .ints(let v): out[name] = .ints(rows.map { v[$0] })
            case .blobs(let b): out[name] = .blobs(BlobColumn(dictionary: b.dictionary, codes: rows.map { b.codes[$0] }))
            }
        }
        return Batch(table: table, count: rows.count, columns: out, order: order, unread: unread)
    }
}
