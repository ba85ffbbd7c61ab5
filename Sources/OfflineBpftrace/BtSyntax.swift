/// A bpftrace program as bpftrace 0.17 parses it (the subset a recording can serve, and the
/// rest parsed far enough to be refused by name).
public struct BtProgram: Sendable {
    public var probes: [BtProbe]
}

public struct BtProbe: Sendable {
    /// As written: `tracepoint:syscalls:sys_enter_*`, `BEGIN`, `interval:s:1`.
    public var attachPoints: [String]
    public var predicate: BtExpr?
    public var body: [BtStatement]
    public var line: Int
}

/// Where a node starts in the program text, for errors (`line:column`).
public struct BtPosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var description: String { "\(line):\(column)" }
}

public indirect enum BtStatement: Sendable {
    case expression(BtExpr)
    case assign(BtLValue, BtAssignOperator, BtExpr, BtPosition)
    case increment(BtLValue, delta: Int64, BtPosition)
    case ifElse(BtExpr, [BtStatement], [BtStatement])
    case unroll(Int, [BtStatement])
    case `return`
}

public enum BtAssignOperator: String, Sendable {
    case assign = "=", add = "+=", subtract = "-=", multiply = "*=", divide = "/=", remainder = "%="
    case and = "&=", or = "|=", xor = "^=", shiftLeft = "<<=", shiftRight = ">>="
}

public enum BtLValue: Sendable {
    case variable(String)
    case map(String, [BtExpr])
}

public indirect enum BtExpr: Sendable {
    case integer(Int64, BtPosition)
    case string([UInt8], BtPosition)
    /// pid, comm, nsecs, probe, ...
    case builtin(String, BtPosition)
    /// `$1`...: a positional parameter.
    case positional(Int, BtPosition)
    case variable(String, BtPosition)
    case map(String, [BtExpr], BtPosition)
    /// `args->field` / `args.field`.
    case field(String, BtPosition)
    case call(String, [BtExpr], BtPosition)
    case unary(String, BtExpr, BtPosition)
    case binary(String, BtExpr, BtExpr, BtPosition)
    case ternary(BtExpr, BtExpr, BtExpr, BtPosition)
    case cast(String, BtExpr, BtPosition)
    /// `BASE->a.b`: a member chain, served only where the recording holds it (BtDereference).
    case member(BtExpr, [String], BtPosition)
    /// `(struct NAME *)expr`, the type as written without its `*`.
    case structCast(String, BtExpr, BtPosition)

    public var position: BtPosition {
        switch self {
        case .integer(_, let p), .string(_, let p), .builtin(_, let p), .positional(_, let p), .variable(_, let p),
             .map(_, _, let p), .field(_, let p), .call(_, _, let p), .unary(_, _, let p), .binary(_, _, _, let p),
             .ternary(_, _, _, let p), .cast(_, _, let p), .member(_, _, let p), .structCast(_, _, let p):
            return p
        }
    }
}

/// A program that does not parse or cannot run over a recording, with where.
public struct BtError: Error, CustomStringConvertible, Sendable, Equatable {
    public var position: BtPosition?
    public var message: String
    public init(_ position: BtPosition?, _ message: String) {
        self.position = position
        self.message = message
    }
    public var description: String { position.map { "\($0): \(message)" } ?? message }
}
