/// An expression bound to a tool's names, ready to evaluate per event.
public struct CompiledExpression<Row>: Sendable {
    public let type: CStaticType
    let evaluate: @Sendable (Row) -> CValue

    public func callAsFunction(_ row: Row) -> CValue { evaluate(row) }
    public func integer(_ row: Row) -> Int64 { evaluate(row).integer }
    public func isTrue(_ row: Row) -> Bool { evaluate(row).integer != 0 }
}

/// Binds and type-checks an expression, then turns it into closures. Integer arithmetic is
/// C's (promotions, usual conversions, wrap-around, unsigned compares); division and
/// remainder by zero give 0 and the dividend, as BPF's instructions do, since the live tools'
/// expressions run as BPF.
public enum CExpressionCompiler {
    typealias IntNode<Row> = (type: CType, eval: @Sendable (Row) -> Int64)

    /// `as`: the type the value is collected as (argdist's `u32`, `char*`): integers are
    /// converted to it, and `char *` asks for a string.
    public static func compile<B: CExpressionBindings>(_ e: CExpression, _ b: B, as wanted: CType? = nil) throws(CExpressionError) -> CompiledExpression<B.Row> {
        if let wanted, wanted.isString {
            let s = try string(e, b)
            return CompiledExpression(type: .string) { .string(s($0)) }
        }
        if let wanted {
            let n = try integer(e, b)
            return CompiledExpression(type: .integer(wanted)) { .int(wanted.normalize(n.eval($0))) }
        }
        if try staticType(e, b) == .string {
            let s = try string(e, b)
            return CompiledExpression(type: .string) { .string(s($0)) }
        }
        let n = try integer(e, b)
        return CompiledExpression(type: .integer(n.type)) { .int(n.eval($0)) }
    }

    static func staticType<B: CExpressionBindings>(_ e: CExpression, _ b: B) throws(CExpressionError) -> CStaticType {
        switch e {
        case .string: return .string
        case .field(let f): return try b.field(f).type
        case .name(let n): return try b.name(n).type
        case .call("STRCMP", _): return .integer(.int)
        case .call(let name, let args): return try b.call(name, arguments: args).type
        case .cast(let t, let inner):
            if t.isString {
                if case .pointer(let readable) = try staticType(inner, b) { return .pointer(readAsString: readable) }
                if try staticType(inner, b) == .string { return .string }
                return .pointer(readAsString: false)
            }
            return .integer(t)
        case .conditional(_, let y, let n):
            let (ty, tn) = (try staticType(y, b), try staticType(n, b))
            if ty == .string, tn == .string { return .string }
            return .integer(.long)
        default: return .integer(.long)
        }
    }

    static func string<B: CExpressionBindings>(_ e: CExpression, _ b: B) throws(CExpressionError) -> @Sendable (B.Row) -> [UInt8] {
        switch e {
        case .string(let s): return { _ in s }
        case .field, .name, .call:
            let binding: CBinding<B.Row>
            switch e {
            case .field(let f): binding = try b.field(f)
            case .name(let n): binding = try b.name(n)
            case .call(let n, let a): binding = try b.call(n, arguments: a)
            default: fatalError("unreachable")
            }
            switch binding.type {
            case .string: let read = binding.read; return { read($0).bytes }
            case .pointer(readAsString: true): if let text = binding.text { return text }
                throw CExpressionError("\(render(e)) is a pointer whose string was not recorded\(binding.unreadStringHint)")
            case .pointer(readAsString: false):
                throw CExpressionError("\(render(e)) is a pointer whose string was not recorded\(binding.unreadStringHint)")
            case .integer:
                throw CExpressionError("\(render(e)) is a number, not a string")
            }
        case .cast(let t, let inner) where t.isString:
            return try string(inner, b)
        case .conditional(let c, let y, let n):
            let cond = try integer(c, b).eval
            let (sy, sn) = (try string(y, b), try string(n, b))
            return { cond($0) != 0 ? sy($0) : sn($0) }
        default:
            throw CExpressionError("\(render(e)) is a number, not a string")
        }
    }

    static func integer<B: CExpressionBindings>(_ e: CExpression, _ b: B) throws(CExpressionError) -> IntNode<B.Row> {
        switch e {
        case .integer(let v, let t): return (t, { _ in v })
        case .string: throw CExpressionError("the string \(render(e)) is used as a number")
        case .field(let f): return try integer(binding: try b.field(f), e)
        case .name(let n): return try integer(binding: try b.name(n), e)
        case .call("STRCMP", let args):
            // bcc's STRCMP("literal", expr): 1 when the strings are equal.
            guard args.count == 2 else { throw CExpressionError("STRCMP takes two arguments, got \(args.count)") }
            let (l, r) = (try string(args[0], b), try string(args[1], b))
            return (.int, { equalStrings(l($0), r($0)) ? 1 : 0 })
        case .call(let name, let args): return try integer(binding: try b.call(name, arguments: args), e)
        case .cast(let t, let inner):
            if t.isString, case .string = try staticType(inner, b) { throw CExpressionError("\(render(e)) is a string, not a number") }
            let n = try integer(inner, b)
            let target = t.isString ? CType.unsignedLong : t
            return (target, { target.normalize(n.eval($0)) })
        case .unary(let op, let inner):
            let n = try integer(inner, b)
            let t = n.type.promoted
            switch op {
            case .plus: return (t, n.eval)
            case .negate: return (t, { t.normalize(0 &- n.eval($0)) })
            case .complement: return (t, { t.normalize(~n.eval($0)) })
            case .not: return (.int, { n.eval($0) == 0 ? 1 : 0 })
            }
        case .conditional(let c, let y, let n):
            let cond = try integer(c, b).eval
            let (iy, iN) = (try integer(y, b), try integer(n, b))
            let t = CType.common(iy.type, iN.type)
            return (t, { cond($0) != 0 ? t.normalize(iy.eval($0)) : t.normalize(iN.eval($0)) })
        case .binary(let op, let l, let r):
            let (tl, tr) = (try staticType(l, b), try staticType(r, b))
            if op == .equal || op == .notEqual, tl == .string || tr == .string {
                let (sl, sr) = (try string(l, b), try string(r, b))
                let want = op == .equal
                return (.int, { equalStrings(sl($0), sr($0)) == want ? 1 : 0 })
            }
            return try binary(op, try integer(l, b), try integer(r, b))
        }
    }

    static func integer<Row>(binding: CBinding<Row>, _ e: CExpression) throws(CExpressionError) -> IntNode<Row> {
        let read = binding.read
        switch binding.type {
        case .integer(let t): return (t, { t.normalize(read($0).integer) })
        case .pointer: return (.unsignedLong, { read($0).integer })
        case .string: throw CExpressionError("\(render(e)) is a string, not a number (compare it with == \"...\")")
        }
    }

    /// C compares strings in BPF up to the first NUL.
    static func equalStrings(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        func cut(_ s: [UInt8]) -> ArraySlice<UInt8> { s.firstIndex(of: 0).map { s[..<$0] } ?? s[...] }
        return cut(a) == cut(b)
    }

    static func binary<Row>(_ op: BinaryOperator, _ l: IntNode<Row>, _ r: IntNode<Row>) throws(CExpressionError) -> IntNode<Row> {
        let (le, re) = (l.eval, r.eval)
        switch op {
        case .logicalAnd: return (.int, { le($0) != 0 && re($0) != 0 ? 1 : 0 })
        case .logicalOr: return (.int, { le($0) != 0 || re($0) != 0 ? 1 : 0 })
        case .shiftLeft, .shiftRight:
            // The result has the promoted left type; BPF masks the count to the width.
            let t = l.type.promoted
            let mask = Int64(t.bits - 1)
            if op == .shiftLeft { return (t, { t.normalize(le($0) << (re($0) & mask)) }) }
            if t.signed { return (t, { t.normalize(le($0) >> (re($0) & mask)) }) }
            return (t, { t.normalize(Int64(bitPattern: UInt64(bitPattern: le($0)) >> UInt64(re($0) & mask))) })
        default: break
        }
        let t = CType.common(l.type, r.type)
        let unsigned = !t.signed
        func compare(_ cmp: @escaping @Sendable (Int64, Int64) -> Bool, _ ucmp: @escaping @Sendable (UInt64, UInt64) -> Bool) -> IntNode<Row> {
            if unsigned {
                // Operands converted to the common unsigned type first (a negative int becomes large).
                return (.int, { ucmp(UInt64(bitPattern: t.normalize(le($0))), UInt64(bitPattern: t.normalize(re($0)))) ? 1 : 0 })
            }
            return (.int, { cmp(le($0), re($0)) ? 1 : 0 })
        }
        switch op {
        case .add: return (t, { t.normalize(le($0) &+ re($0)) })
        case .subtract: return (t, { t.normalize(le($0) &- re($0)) })
        case .multiply: return (t, { t.normalize(le($0) &* re($0)) })
        case .bitAnd: return (t, { t.normalize(le($0) & re($0)) })
        case .bitOr: return (t, { t.normalize(le($0) | re($0)) })
        case .bitXor: return (t, { t.normalize(le($0) ^ re($0)) })
        case .divide, .remainder:
            let isDivide = op == .divide
            return (t, { row in
                let (a, b) = (t.normalize(le(row)), t.normalize(re(row)))
                if b == 0 { return isDivide ? 0 : a }
                if unsigned {
                    let (ua, ub) = (UInt64(bitPattern: a), UInt64(bitPattern: b))
                    return t.normalize(Int64(bitPattern: isDivide ? ua / ub : ua % ub))
                }
                let q = isDivide ? a.dividedReportingOverflow(by: b) : a.remainderReportingOverflow(dividingBy: b)
                return t.normalize(q.overflow ? (isDivide ? a : 0) : q.partialValue)
            })
        case .less: return compare({ $0 < $1 }, { $0 < $1 })
        case .lessEqual: return compare({ $0 <= $1 }, { $0 <= $1 })
        case .greater: return compare({ $0 > $1 }, { $0 > $1 })
        case .greaterEqual: return compare({ $0 >= $1 }, { $0 >= $1 })
        case .equal: return compare({ $0 == $1 }, { $0 == $1 })
        case .notEqual: return compare({ $0 != $1 }, { $0 != $1 })
        case .logicalAnd, .logicalOr, .shiftLeft, .shiftRight: fatalError("handled above")
        }
    }

    /// An expression's text as the user would write it, for messages.
    public static func render(_ e: CExpression) -> String {
        switch e {
        case .integer(let v, _): return String(v)
        case .string(let s): return "\"" + String(decoding: s, as: UTF8.self) + "\""
        case .field(let f): return "args->" + f
        case .name(let n): return n
        case .call(let n, let a): return n + "(" + a.map(render).joined(separator: ", ") + ")"
        case .unary(let op, let x): return op.rawValue + render(x)
        case .binary(let op, let l, let r): return render(l) + " " + op.rawValue + " " + render(r)
        case .conditional(let c, let y, let n): return render(c) + " ? " + render(y) + " : " + render(n)
        case .cast(let t, let x): return "(" + t.description + ")" + render(x)
        }
    }
}
