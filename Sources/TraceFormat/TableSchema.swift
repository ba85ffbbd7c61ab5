/// The type of a column as stored in a recording. Integers of every width are held as `Int64`
/// bit patterns in memory (a `u64` kernel address keeps its bits); `str` and `bytes` are
/// dictionary-encoded byte strings, bounded by `max` bytes.
public enum ColumnType: String, Codable, Sendable, CaseIterable {
    case u8, u16, u32, u64, i32, i64, str, bytes

    public var isInteger: Bool { self != .str && self != .bytes }

    /// Bytes the field takes in a fixed-layout BPF record (strings and byte strings excluded).
    public var fixedWidth: Int? {
        switch self {
        case .u8: 1
        case .u16: 2
        case .u32, .i32: 4
        case .u64, .i64: 8
        case .str, .bytes: nil
        }
    }
}

/// One column of an event table, as described in schemas/*.json.
public struct ColumnSchema: Codable, Sendable, Hashable {
    public var name: String
    public var type: ColumnType
    /// Maximum length in bytes of a `str`/`bytes` value.
    public var max: Int?
    public var unit: String?
    public var doc: String

    public init(name: String, type: ColumnType, max: Int? = nil, unit: String? = nil, doc: String = "") {
        self.name = name
        self.type = type
        self.max = max
        self.unit = unit
        self.doc = doc
    }
}

/// Where a table's rows come from: the BPF programs (fixed-layout ring-buffer records) or the
/// recorder itself (snapshots read from /proc, loss counters).
public enum TableSource: String, Codable, Sendable {
    case bpf, recorder
}

/// One event table: its name, the family of BPF programs it belongs to, and its columns.
public struct TableSchema: Codable, Sendable, Hashable {
    public var name: String
    public var family: String
    public var source: TableSource
    public var doc: String
    public var columns: [ColumnSchema]

    public init(name: String, family: String, source: TableSource = .bpf, doc: String = "", columns: [ColumnSchema]) {
        self.name = name
        self.family = family
        self.source = source
        self.doc = doc
        self.columns = columns
    }

    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }
}
