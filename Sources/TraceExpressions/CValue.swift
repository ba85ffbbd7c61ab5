/// What an expression yields for one event.
public enum CValue: Sendable, Hashable {
    /// An integer, normalized to its type (`CType.normalize`): u64 as its bit pattern.
    case int(Int64)
    case string([UInt8])

    public var integer: Int64 {
        if case .int(let v) = self { return v }
        return 0
    }

    public var bytes: [UInt8] {
        if case .string(let s) = self { return s }
        return []
    }
}

/// What an expression yields, known before any event is read, so that a mistake (a string
/// compared with a number, a pointer field never read as a string) is found at parse time.
public enum CStaticType: Sendable, Equatable {
    case integer(CType)
    case string
    /// A pointer field: an address, and where the recorder read it, the string it pointed to.
    case pointer(readAsString: Bool)
}

/// How the caller's names reach the recorded values: one per name an expression uses.
public struct CBinding<Row>: Sendable {
    public var type: CStaticType
    /// For a pointer read as a string: the address in `read`, the string in `text`.
    public var read: @Sendable (Row) -> CValue
    public var text: (@Sendable (Row) -> [UInt8])?
    /// What to say when a pointer not read as a string is used as one.
    public var unreadStringHint: String

    public init(type: CStaticType, read: @escaping @Sendable (Row) -> CValue, text: (@Sendable (Row) -> [UInt8])? = nil, unreadStringHint: String = "") {
        self.type = type
        self.read = read
        self.text = text
        self.unreadStringHint = unreadStringHint
    }
}

/// The meaning of the names an expression uses, given by the tool: tracepoint fields
/// (`args->x`), specials (`$PID`, `$latency`), calls it serves itself (`$entry(x)`).
public protocol CExpressionBindings {
    associatedtype Row
    func field(_ name: String) throws(CExpressionError) -> CBinding<Row>
    func name(_ name: String) throws(CExpressionError) -> CBinding<Row>
    /// A call other than STRCMP, with its arguments' source text; throw for an unknown one.
    func call(_ name: String, arguments: [CExpression]) throws(CExpressionError) -> CBinding<Row>
}
