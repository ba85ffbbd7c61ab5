import TraceFormat

/// A column of a virtual table as SQL sees it.
public struct SQLColumn: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Integers up to 63 bits (every signed and every narrower unsigned type): INTEGER.
        case integer
        /// u64: INTEGER up to 2^63 - 1; a value above it is TEXT, "0x" and 16 lower-case hex
        /// digits (see `U64Text`).
        case u64
        case text
        case blob
        case real
    }

    public var name: String
    public var kind: Kind
    public var doc: String

    public init(_ name: String, _ kind: Kind, doc: String = "") {
        self.name = name
        self.kind = kind
        self.doc = doc
    }

    /// The column of a recorded table.
    public init(_ c: ColumnSchema) {
        let kind: Kind
        switch c.type {
        case .u64: kind = .u64
        case .str: kind = .text
        case .bytes: kind = .blob
        default: kind = .integer
        }
        self.init(c.name, kind, doc: c.doc)
    }

    /// The declared type. U64 has SQLite's NUMERIC affinity: integers compare as integers, and
    /// a '0x…' literal stays text (hex is not a numeric literal to affinity) and so compares
    /// equal to the text value above 2^63.
    public var declaredType: String {
        switch kind {
        case .integer: "INTEGER"
        case .u64: "U64"
        case .text: "TEXT"
        case .blob: "BLOB"
        case .real: "REAL"
        }
    }
}

/// How a u64 above 2^63 - 1 reads in SQL. SQLite's INTEGER is signed 64-bit: storing the bits
/// would make 2^64 - 1 read as -1 (wrong sign, wrong order, wrong sums), and REAL would round
/// kernel addresses. Such values are TEXT of fixed width, "0x" + 16 hex digits: exact, equal
/// values compare equal (joins and GROUP BY on `rq` work), and they order correctly among
/// themselves (fixed width) and above every INTEGER (SQLite sorts INTEGER before TEXT).
public enum U64Text {
    public static func text(_ v: UInt64) -> String {
        let hex = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The value of a '0x…' text (1 to 16 hex digits), or nil.
    public static func parse(_ s: String) -> UInt64? {
        guard s.hasPrefix("0x") || s.hasPrefix("0X") else { return nil }
        let digits = s.dropFirst(2)
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        return UInt64(digits, radix: 16)
    }
}
