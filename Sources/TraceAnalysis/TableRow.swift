import TraceFormat

/// One row of a table, with a property per column (GeneratedRows.swift, from schemas/): tools
/// write `row.nextTid`, and the compiler checks the name. Properties read the batch's `ordered`
/// arrays at the column's schema position, so the batch must hold the whole table in schema
/// order: build it with `ScanSource(Row.self, reading:)` or `Recording.scan(_:reading:)`,
/// which decode only the columns named there; reading any other column traps.
public protocol TableRow {
    static var table: String { get }
    /// Every column, in schema order.
    static var columns: [String] { get }
    /// The column each property reads.
    static func column(of property: PartialKeyPath<Self>) -> String
    init(batch: Batch, row: Int)
}

extension TableRow {
    /// The row a merged scan is at (its source must be `ScanSource(Self.self, reading:)`).
    public init(_ merged: MergedRow) { self.init(batch: merged.batch, row: merged.row) }
}

extension Recording {
    /// Streams the rows of `Row`'s table inside the window in file order, decoding only the
    /// columns `reading` names (and ts).
    public func scan<Row: TableRow>(_ row: Row.Type, reading: [PartialKeyPath<Row>], filter: ScanFilter = .none,
                                    _ body: (Row) throws -> Void) throws {
        let columns = reading.map(Row.column(of:))
        try decodeInOrder(plannedChunks(table: Row.table, filter: filter), table: { _ in Row.table }, columns: columns,
                          order: Row.columns, filter: filter) { _, b in
            for r in 0..<b.count { try body(Row(batch: b, row: r)) }
        }
    }
}

extension Batch {
    /// A whole column named by a typed row's property, for loops over a batch's arrays:
    /// `b[\SyscallRow.id]` (zeros when an older recording's table lacks it).
    public subscript<Row: TableRow>(_ property: KeyPath<Row, Int64>) -> [Int64] { ints(Row.column(of: property)) }
    public subscript<Row: TableRow>(_ property: KeyPath<Row, String>) -> BlobColumn { blobs(Row.column(of: property)) }
    public subscript<Row: TableRow>(_ property: KeyPath<Row, [UInt8]>) -> BlobColumn { blobs(Row.column(of: property)) }
}

extension Recording {
    /// Streams `Row`'s table batch by batch in file order, decoding only the columns `reading`
    /// names (and ts): for tools that loop over whole columns (`b[\SyscallRow.id]`).
    public func scanBatches<Row: TableRow>(_ row: Row.Type, reading: [PartialKeyPath<Row>], filter: ScanFilter = .none,
                                           _ body: (Batch) throws -> Void) throws {
        try decodeInOrder(plannedChunks(table: Row.table, filter: filter), table: { _ in Row.table },
                          columns: reading.map(Row.column(of:)), order: Row.columns, filter: filter) { _, b in
            if b.count > 0 { try body(b) }
        }
    }
}
