/// A bad expression, or one a recording cannot serve, with where it went wrong.
public struct CExpressionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// 1-based column in the expression text; 0 when the error is about a whole name.
    public let column: Int
    public let message: String
    public init(column: Int = 0, _ message: String) {
        self.column = column
        self.message = message
    }
    public var description: String { column > 0 ? "column \(column): \(message)" : message }
}

/// Recursive-descent parser of C expressions: literals (decimal, hex, octal, char, string),
/// names, `args->field`, calls, casts, the unary, binary and ternary operators with C's
/// precedence. Pointer dereference (`*p`, `p->f` beyond `args->`) and address-of are refused:
/// a recording holds the event's fields, not the kernel memory they point into.
public struct CExpressionParser {
    enum Token: Equatable {
        case number(Int64, CType)
        case string([UInt8])
        case identifier(String)
        case symbol(String)
        case end
    }

    var tokens: [(token: Token, column: Int)] = []
    var position = 0

    public static func parse(_ text: String) throws(CExpressionError) -> CExpression {
        var parser = CExpressionParser()
        parser.tokens = try lex(Array(text.utf8))
        if parser.tokens.count == 1 { throw CExpressionError(column: 1, "empty expression") }
        let e = try parser.expression()
        guard case .end = parser.current else { throw parser.unexpected() }
        return e
    }

    var current: Token { tokens[position].token }
    var column: Int { tokens[position].column }

    mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    func unexpected() -> CExpressionError {
        switch current {
        case .end: return CExpressionError(column: column, "unexpected end of expression")
        case .number(let n, _): return CExpressionError(column: column, "unexpected number \(n)")
        case .string: return CExpressionError(column: column, "unexpected string")
        case .identifier(let s), .symbol(let s): return CExpressionError(column: column, "unexpected '\(s)'")
        }
    }

    mutating func expect(_ symbol: String) throws(CExpressionError) {
        guard current == .symbol(symbol) else {
            if case .end = current { throw CExpressionError(column: column, "expected '\(symbol)' before the end of the expression") }
            throw CExpressionError(column: column, "expected '\(symbol)'")
        }
        advance()
    }

    mutating func expression() throws(CExpressionError) -> CExpression {
        let condition = try binary(minimum: 1)
        guard current == .symbol("?") else { return condition }
        advance()
        let yes = try expression()
        try expect(":")
        let no = try expression()
        return .conditional(condition, yes, no)
    }

    mutating func binary(minimum: Int) throws(CExpressionError) -> CExpression {
        var left = try unary()
        while case .symbol(let s) = current, let op = BinaryOperator(rawValue: s), op.precedence >= minimum {
            advance()
            let right = try binary(minimum: op.precedence + 1)
            left = .binary(op, left, right)
        }
        return left
    }

    mutating func unary() throws(CExpressionError) -> CExpression {
        let at = column
        switch current {
        case .symbol("-"): advance(); return .unary(.negate, try unary())
        case .symbol("+"): advance(); return .unary(.plus, try unary())
        case .symbol("!"): advance(); return .unary(.not, try unary())
        case .symbol("~"): advance(); return .unary(.complement, try unary())
        case .symbol("*"): throw CExpressionError(column: at, "'*' dereferences memory, which a recording does not hold (only the event's own fields are recorded)")
        case .symbol("&"): throw CExpressionError(column: at, "'&' takes an address, which means nothing over a recording")
        case .symbol("("):
            if let type = castType() { return .cast(type, try unary()) }
            advance()
            let e = try expression()
            try expect(")")
            return try postfix(e, at: at)
        default:
            return try postfix(try primary(), at: at)
        }
    }

    /// `(type)` at the current position, consumed, or nil (then nothing is consumed).
    mutating func castType() -> CType? {
        var words: [String] = []
        var i = position + 1
        while i < tokens.count {
            switch tokens[i].token {
            case .identifier(let w): words.append(w)
            case .symbol("*"): words.append("*")
            case .symbol(")"):
                guard !words.isEmpty, let t = CType(name: words.joined(separator: " ")) else { return nil }
                // `(x)` where x is a variable is not a cast: only type words make one.
                position = i + 1
                return t
            default: return nil
            }
            i += 1
        }
        return nil
    }

    mutating func primary() throws(CExpressionError) -> CExpression {
        switch current {
        case .number(let n, let t): advance(); return .integer(n, t)
        case .string(var bytes):
            advance()
            // Adjacent literals concatenate, as in C.
            while case .string(let more) = current { bytes += more; advance() }
            return .string(bytes)
        case .identifier(let name):
            let at = column
            advance()
            if current == .symbol("(") {
                advance()
                var arguments: [CExpression] = []
                if current != .symbol(")") {
                    arguments.append(try expression())
                    while current == .symbol(",") { advance(); arguments.append(try expression()) }
                }
                try expect(")")
                return .call(name, arguments)
            }
            if name == "args", current == .symbol("->") || current == .symbol(".") {
                advance()
                guard case .identifier(let field) = current else { throw CExpressionError(column: column, "expected a field name after args->") }
                advance()
                return .field(field)
            }
            if current == .symbol("->") {
                throw CExpressionError(column: at, "'\(name)->': only args-> fields of the recorded event can be read; a recording holds no other kernel memory")
            }
            return .name(name)
        default:
            throw unexpected()
        }
    }

    mutating func postfix(_ e: CExpression, at: Int) throws(CExpressionError) -> CExpression {
        switch current {
        case .symbol("->"), .symbol("."):
            throw CExpressionError(column: column, "'\(current == .symbol("->") ? "->" : ".")' on an expression other than args: a recording holds the event's fields, not the memory they point to")
        case .symbol("["):
            throw CExpressionError(column: column, "'[' indexes memory, which a recording does not hold")
        case .symbol("++"), .symbol("--"), .symbol("="):
            throw CExpressionError(column: column, "assignments are not expressions of a probe")
        default:
            return e
        }
    }

    static let symbols = ["<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "->", "++", "--",
                          "+", "-", "*", "/", "%", "<", ">", "&", "^", "|", "!", "~", "?", ":", "(", ")", ",", ".", "[", "]", "="]

    static func lex(_ s: [UInt8]) throws(CExpressionError) -> [(token: Token, column: Int)] {
        var out: [(token: Token, column: Int)] = []
        var i = 0
        func isIdentifierByte(_ c: UInt8) -> Bool { c == UInt8(ascii: "_") || c == UInt8(ascii: "$") || c == UInt8(ascii: "@") || (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) }
        while i < s.count {
            let c = s[i]
            let column = i + 1
            if c == 32 || c == 9 || c == 10 || c == 13 { i += 1; continue }
            if c >= 48 && c <= 57 {
                var j = i
                while j < s.count, isIdentifierByte(s[j]) { j += 1 }
                out.append((try number(Array(s[i..<j]), column: column), column))
                i = j
            } else if isIdentifierByte(c) {
                var j = i + 1
                while j < s.count, isIdentifierByte(s[j]) { j += 1 }
                out.append((.identifier(String(decoding: s[i..<j], as: UTF8.self)), column))
                i = j
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                var bytes: [UInt8] = []
                var j = i + 1
                while true {
                    guard j < s.count else { throw CExpressionError(column: column, "unterminated \(c == 34 ? "string" : "character") literal") }
                    if s[j] == c { break }
                    if s[j] == UInt8(ascii: "\\"), j + 1 < s.count {
                        j += 1
                        switch s[j] {
                        case UInt8(ascii: "n"): bytes.append(10)
                        case UInt8(ascii: "t"): bytes.append(9)
                        case UInt8(ascii: "r"): bytes.append(13)
                        case UInt8(ascii: "0"): bytes.append(0)
                        default: bytes.append(s[j])
                        }
                    } else {
                        bytes.append(s[j])
                    }
                    j += 1
                }
                if c == UInt8(ascii: "'") {
                    guard bytes.count == 1 else { throw CExpressionError(column: column, "a character literal holds one character") }
                    out.append((.number(Int64(Int8(bitPattern: bytes[0])), .int), column))
                } else {
                    out.append((.string(bytes), column))
                }
                i = j + 1
            } else if let sym = symbols.first(where: { sym in
                let u = Array(sym.utf8)
                return i + u.count <= s.count && Array(s[i..<i + u.count]) == u
            }) {
                out.append((.symbol(sym), column))
                i += sym.utf8.count
            } else {
                throw CExpressionError(column: column, "unexpected character '\(String(decoding: [c], as: UTF8.self))'")
            }
        }
        out.append((.end, s.count + 1))
        return out
    }

    /// A C integer constant with its type: decimal fits int, else long; hex and octal may be
    /// unsigned; suffixes u and l (any case, any order).
    static func number(_ text: [UInt8], column: Int) throws(CExpressionError) -> Token {
        var digits = text
        var unsignedSuffix = false, longSuffix = false
        while let last = digits.last, (last | 0x20) == UInt8(ascii: "u") || (last | 0x20) == UInt8(ascii: "l") {
            if (last | 0x20) == UInt8(ascii: "u") { unsignedSuffix = true } else { longSuffix = true }
            digits.removeLast()
        }
        var radix: UInt64 = 10
        var start = 0
        if digits.count > 2, digits[0] == 48, (digits[1] | 0x20) == UInt8(ascii: "x") { radix = 16; start = 2 }
        else if digits.count > 1, digits[0] == 48 { radix = 8; start = 1 }
        let body = String(decoding: digits[start...], as: UTF8.self)
        guard !body.isEmpty, let value = UInt64(body, radix: Int(radix)) else {
            throw CExpressionError(column: column, "bad number '\(String(decoding: text, as: UTF8.self))'")
        }
        let type: CType
        if unsignedSuffix {
            type = longSuffix || value > UInt64(UInt32.max) ? .unsignedLong : .unsignedInt
        } else if !longSuffix, value <= UInt64(Int32.max) {
            type = .int
        } else if !longSuffix, radix != 10, value <= UInt64(UInt32.max) {
            type = .unsignedInt
        } else {
            type = value <= UInt64(Int64.max) ? .long : .unsignedLong
        }
        return .number(Int64(bitPattern: value), type)
    }
}
