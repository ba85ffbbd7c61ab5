import TraceFormat
import TraceReport

/// A column of an exported table as ClickHouse declares it: the schema's exact integer width
/// (u64 stays UInt64: ClickHouse has unsigned 64-bit integers, no text form above 2^63 needed).
struct ClickHouseColumn: Sendable, Equatable {
    enum Base: Sendable, Equatable {
        case uint(bytes: Int), int(bytes: Int), string

        var name: String {
            switch self {
            case .uint(let b): "UInt\(b * 8)"
            case .int(let b): "Int\(b * 8)"
            case .string: "String"
            }
        }
    }

    var name: String
    var base: Base
    /// Derived views leave values out (a request never issued has no issue_ts): Nullable.
    /// Recorded tables always have every column of their schema.
    var nullable: Bool

    init(name: String, base: Base, nullable: Bool = false) {
        self.name = name
        self.base = base
        self.nullable = nullable
    }

    init(_ c: ColumnSchema, nullable: Bool) {
        let base: Base
        switch c.type {
        case .u8: base = .uint(bytes: 1)
        case .u16: base = .uint(bytes: 2)
        case .u32: base = .uint(bytes: 4)
        case .u64: base = .uint(bytes: 8)
        case .i32: base = .int(bytes: 4)
        case .i64: base = .int(bytes: 8)
        case .str, .bytes: base = .string
        }
        self.init(name: c.name, base: base, nullable: nullable)
    }

    var typeName: String { nullable ? "Nullable(\(base.name))" : base.name }
}

/// One block of ClickHouse's Native format, the columnar form its HTTP interface takes with
/// `INSERT … FORMAT Native`: the column and row counts, then per column its name, its type and
/// its values laid end to end (a Nullable column's null map first). One block is one insert
/// and lands as one part, whole or not at all.
struct NativeBlock {
    let columns: [ClickHouseColumn]
    private var data: [[UInt8]]
    private var nulls: [[UInt8]]
    private(set) var rows = 0

    /// The values of the last columns, the same in every row (host, recording…): encoded once,
    /// repeated when the block is written.
    private let constants: [[UInt8]]

    init(columns: [ClickHouseColumn], constants: [ResultCell] = []) {
        self.columns = columns
        data = Array(repeating: [], count: columns.count)
        nulls = Array(repeating: [], count: columns.count)
        var one = Self(columns: Array(columns.suffix(constants.count)))
        for (k, c) in constants.enumerated() { one.append(c, column: k) }
        self.constants = one.data
    }

    private init(columns: [ClickHouseColumn]) {
        self.columns = columns
        data = Array(repeating: [], count: columns.count)
        nulls = Array(repeating: [], count: columns.count)
        constants = []
    }

    /// Appends one value to column `i`, converting SQL's cell (u64 above 2^63 arrives as
    /// '0x…' text, see `U64Text`). A missing value is the type's zero where it cannot be NULL.
    mutating func append(_ cell: ResultCell, column i: Int) {
        let c = columns[i]
        if c.nullable { nulls[i].append(cell == .null ? 1 : 0) }
        switch c.base {
        case .uint(let bytes), .int(let bytes):
            var v: UInt64 = 0
            switch cell {
            case .int(let x): v = UInt64(bitPattern: x)
            case .text(let s): v = U64Text.parse(s) ?? UInt64(bitPattern: Int64(s) ?? 0)
            case .real(let d): v = UInt64(bitPattern: Int64(d))
            case .null, .blob: v = 0
            }
            withUnsafeBytes(of: v.littleEndian) { data[i].append(contentsOf: $0.prefix(bytes)) }
        case .string:
            switch cell {
            case .text(let s): Self.string(Array(s.utf8), into: &data[i])
            case .blob(let b): Self.string(b, into: &data[i])
            case .int(let x): Self.string(Array(String(x).utf8), into: &data[i])
            case .real(let d): Self.string(Array(String(d).utf8), into: &data[i])
            case .null: Self.string([], into: &data[i])
            }
        }
    }

    /// Marks the end of a row (every column got its value).
    mutating func endRow() { rows += 1 }

    static func varUInt(_ v: Int, into out: inout [UInt8]) {
        var x = UInt64(v)
        while x >= 0x80 {
            out.append(UInt8(x & 0x7f) | 0x80)
            x >>= 7
        }
        out.append(UInt8(x))
    }

    static func string(_ bytes: [UInt8], into out: inout [UInt8]) {
        varUInt(bytes.count, into: &out)
        out.append(contentsOf: bytes)
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.reduce(64) { $0 + $1.count } + nulls.reduce(0) { $0 + $1.count })
        Self.varUInt(columns.count, into: &out)
        Self.varUInt(rows, into: &out)
        let varying = columns.count - constants.count
        for (i, c) in columns.enumerated() {
            Self.string(Array(c.name.utf8), into: &out)
            Self.string(Array(c.typeName.utf8), into: &out)
            if i >= varying {
                for _ in 0..<rows { out.append(contentsOf: constants[i - varying]) }
                continue
            }
            if c.nullable { out.append(contentsOf: nulls[i]) }
            out.append(contentsOf: data[i])
        }
        return out
    }
}
