import TraceFormat

/// The decoded, window-filtered rows of one chunk: only the projected columns, in file order.
/// One reference to immutable storage, so a row that carries its batch (a merged scan's row, a
/// typed row) costs one reference count, not one per column array.
public struct Batch: Sendable {
    private final class Storage: Sendable {
        let table: String
        let count: Int
        let columns: [String: ColumnData]
        let ordered: [[Int64]]
        let orderedBlobs: [BlobColumn]
        let unread: Set<String>
        init(table: String, count: Int, columns: [String: ColumnData], ordered: [[Int64]], orderedBlobs: [BlobColumn], unread: Set<String>) {
            self.table = table
            self.count = count
            self.columns = columns
            self.ordered = ordered
            self.orderedBlobs = orderedBlobs
            self.unread = unread
        }
    }
    private let storage: Storage

    public var table: String { storage.table }
    public var count: Int { storage.count }
    public var columns: [String: ColumnData] { storage.columns }
    /// The integer columns in the order the scan asked for them (empty for string columns),
    /// so per-row code indexes an array instead of hashing a column name.
    public var ordered: [[Int64]] { storage.ordered }
    /// The string columns in the same order (empty for integer columns).
    public var orderedBlobs: [BlobColumn] { storage.orderedBlobs }
    var unread: Set<String> { storage.unread }

    /// `unread`: columns of `order` the scan did not decode. They stay empty, so a typed row
    /// that reads one it did not ask for traps instead of reading zeros.
    public init(table: String, count: Int, columns: [String: ColumnData], order: [String] = [], unread: Set<String> = []) {
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
        storage = Storage(table: table, count: count, columns: columns, ordered: ints, orderedBlobs: blobs, unread: unread)
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
