import TraceFormat

/// Namespace of the generated table catalog (`EventTables.all`, from schemas/*.json).
public enum EventTables {
    public static func named(_ name: String) -> TableSchema? {
        all.first { $0.name == name }
    }

    /// Tables of one family, in catalog order.
    public static func family(_ family: String) -> [TableSchema] {
        all.filter { $0.family == family }
    }

    public static var families: [String] {
        var seen: [String] = []
        for t in all where !seen.contains(t.family) { seen.append(t.family) }
        return seen
    }
}

/// Where each column sits in the fixed-size record a BPF program writes for a table. The
/// recorder's decoder walks `fields` to move a record into a `TableBuffer`.
public struct RecordLayout: Sendable {
    public struct Field: Sendable {
        /// Index of the column in the table schema.
        public var column: Int
        public var type: ColumnType
        public var offset: Int
        /// Bytes of the value; the array size for `str` and `bytes`.
        public var size: Int
        /// For `bytes`: offset of the u16 length before the data; -1 otherwise.
        public var lengthOffset: Int

        public init(column: Int, type: ColumnType, offset: Int, size: Int, lengthOffset: Int) {
            self.column = column
            self.type = type
            self.offset = offset
            self.size = size
            self.lengthOffset = lengthOffset
        }
    }

    public var kind: UInt32
    public var table: String
    public var size: Int
    public var fields: [Field]

    public init(kind: UInt32, table: String, size: Int, fields: [Field]) {
        self.kind = kind
        self.table = table
        self.size = size
        self.fields = fields
    }

    /// One more than the largest kind: the size of a table indexed by kind.
    public static let kindLimit = Int(all.map(\.kind).max() ?? 0) + 1
}
