/// The values of one column of one chunk, decoded.
public enum ColumnData: Sendable, Equatable {
    /// Integers of every width as `Int64` bit patterns (a `u64` reads back with `UInt64(bitPattern:)`).
    case ints([Int64])
    /// Strings and byte strings: distinct values once, and a code per row.
    case blobs(BlobColumn)

    public var count: Int {
        switch self {
        case .ints(let v): v.count
        case .blobs(let b): b.codes.count
        }
    }
}

/// A dictionary-encoded column of byte strings. Tools group and compare by `codes` and turn a
/// code into text once per distinct value.
public struct BlobColumn: Sendable, Equatable {
    public var dictionary: [[UInt8]]
    public var codes: [UInt32]

    public init(dictionary: [[UInt8]] = [], codes: [UInt32] = []) {
        self.dictionary = dictionary
        self.codes = codes
    }

    public subscript(row: Int) -> [UInt8] { dictionary[Int(codes[row])] }
    public func string(_ row: Int) -> String { String(decoding: self[row], as: UTF8.self) }
    /// Every dictionary entry as text (index = code).
    public var strings: [String] { dictionary.map { String(decoding: $0, as: UTF8.self) } }
}

/// A value for the row-at-a-time API used by tests and low-rate tables.
public enum ColumnValue: Sendable, Equatable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    case int(Int64)
    case bytes([UInt8])

    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(stringLiteral value: String) { self = .bytes(Array(value.utf8)) }
    public static func string(_ s: String) -> ColumnValue { .bytes(Array(s.utf8)) }
    public static func u64(_ v: UInt64) -> ColumnValue { .int(Int64(bitPattern: v)) }
}
