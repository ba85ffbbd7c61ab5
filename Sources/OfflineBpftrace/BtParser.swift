/// Parses bpftrace 0.17 programs: probes with attach-point lists, `/predicate/`, action
/// blocks of statements; C's expression precedence; `//` and `/* */` comments. Errors name
/// the line and column.
public struct BtParser {
    enum Token: Equatable {
        case identifier(String)
        case variable(String)     // $x, $1
        case map(String)          // @, @name
        case integer(Int64)
        case string([UInt8])
        case symbol(String)
        case end
    }

    let text: [UInt8]
    var index = 0
    var line = 1, lineStart = 0
    var token: Token = .end
    var tokenPosition = BtPosition(line: 1, column: 1)
    /// Inside `/.../` a `/` ends the predicate instead of dividing.
    var inPredicate = false
    /// `#define NAME VALUE` constants.
    var defines: [String: Int64] = [:]
    /// Guards recursion: a program nested deeper than this is refused, not a stack overflow.
    var depth = 0
    static let maxDepth = 200

    public static func parse(_ source: String) throws(BtError) -> BtProgram {
        var p = BtParser(text: Array(source.utf8))
        return try p.program()
    }

    init(text: [UInt8]) { self.text = text }

    var position: BtPosition { BtPosition(line: line, column: index - lineStart + 1) }

    // MARK: lexing

    mutating func skipBlanks() throws(BtError) {
        while index < text.count {
            let c = text[index]
            if c == 10 { index += 1; line += 1; lineStart = index; continue }
            // `#!` and preprocessor lines (#include, #define) at the start of a line: includes
            // bring kernel headers, which a recording does not need; defines are kept.
            if c == UInt8(ascii: "#"), index == lineStart {
                var j = index
                while j < text.count, text[j] != 10 { j += 1 }
                let directive = String(decoding: text[index..<j], as: UTF8.self)
                let words = directive.split(separator: " ", omittingEmptySubsequences: true)
                if words.first == "#define", words.count == 3 {
                    guard let v = Int64(words[2]) ?? (words[2].hasPrefix("0x") ? Int64(words[2].dropFirst(2), radix: 16) : nil) else {
                        throw BtError(position, "#define \(words[1]): only integer constants are supported")
                    }
                    defines[String(words[1])] = v
                }
                index = j
                continue
            }
            if c == 32 || c == 9 || c == 13 { index += 1; continue }
            if c == UInt8(ascii: "/"), index + 1 < text.count, text[index + 1] == UInt8(ascii: "/") {
                while index < text.count, text[index] != 10 { index += 1 }
                continue
            }
            if c == UInt8(ascii: "/"), index + 1 < text.count, text[index + 1] == UInt8(ascii: "*") {
                let start = position
                index += 2
                while index + 1 < text.count, !(text[index] == UInt8(ascii: "*") && text[index + 1] == UInt8(ascii: "/")) {
                    if text[index] == 10 { line += 1; lineStart = index + 1 }
                    index += 1
                }
                guard index + 1 < text.count else { throw BtError(start, "unterminated comment") }
                index += 2
                continue
            }
            break
        }
    }

    static func isWordByte(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "_") || (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122)
    }

    static let symbols = ["<<=", ">>=", "==", "!=", "<=", ">=", "&&", "||", "->", "++", "--", "+=", "-=", "*=", "/=", "%=",
                          "&=", "|=", "^=", "<<", ">>", "+", "-", "*", "/", "%", "<", ">", "&", "^", "|", "!", "~", "?", ":",
                          "(", ")", "{", "}", "[", "]", ",", ";", ".", "="]

    mutating func next() throws(BtError) {
        try skipBlanks()
        tokenPosition = position
        guard index < text.count else { token = .end; return }
        let c = text[index]
        if c >= 48 && c <= 57 {
            var j = index
            while j < text.count, Self.isWordByte(text[j]) { j += 1 }
            let word = String(decoding: text[index..<j].filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
            var value: UInt64?
            if word.hasPrefix("0x") || word.hasPrefix("0X") { value = UInt64(word.dropFirst(2), radix: 16) } else { value = UInt64(word) }
            // 1e6: bpftrace's integer literals take a power of ten.
            let e = word.split(separator: "e")
            if value == nil, e.count == 2, let m = UInt64(e[0]), let x = Int(e[1]), x <= 19 {
                var v = m
                for _ in 0..<x { v = v.multipliedReportingOverflow(by: 10).partialValue }
                value = v
            }
            guard let value else { throw BtError(tokenPosition, "invalid integer '\(word)'") }
            token = .integer(Int64(bitPattern: value))
            index = j
        } else if Self.isWordByte(c) {
            var j = index
            while j < text.count, Self.isWordByte(text[j]) { j += 1 }
            token = .identifier(String(decoding: text[index..<j], as: UTF8.self))
            index = j
        } else if c == UInt8(ascii: "$") || c == UInt8(ascii: "@") {
            var j = index + 1
            while j < text.count, Self.isWordByte(text[j]) { j += 1 }
            let name = String(decoding: text[index..<j], as: UTF8.self)
            if c == UInt8(ascii: "$") && name.count == 1 { throw BtError(tokenPosition, "expected a variable name after '$'") }
            token = c == UInt8(ascii: "$") ? .variable(name) : .map(name)
            index = j
        } else if c == UInt8(ascii: "\"") {
            var bytes: [UInt8] = []
            var j = index + 1
            while true {
                guard j < text.count, text[j] != 10 else { throw BtError(tokenPosition, "unterminated string") }
                if text[j] == UInt8(ascii: "\"") { break }
                if text[j] == UInt8(ascii: "\\"), j + 1 < text.count {
                    j += 1
                    switch text[j] {
                    case UInt8(ascii: "n"): bytes.append(10)
                    case UInt8(ascii: "t"): bytes.append(9)
                    case UInt8(ascii: "r"): bytes.append(13)
                    case UInt8(ascii: "0"): bytes.append(0)
                    case UInt8(ascii: "\\"), UInt8(ascii: "\""): bytes.append(text[j])
                    default: bytes.append(UInt8(ascii: "\\")); bytes.append(text[j])
                    }
                } else {
                    bytes.append(text[j])
                }
                j += 1
            }
            token = .string(bytes)
            index = j + 1
        } else if let s = Self.symbols.first(where: { s in
            let u = Array(s.utf8)
            return index + u.count <= text.count && Array(text[index..<index + u.count]) == u
        }) {
            token = .symbol(s)
            index += s.utf8.count
        } else {
            throw BtError(tokenPosition, "unexpected character '\(String(decoding: [c], as: UTF8.self))'")
        }
    }

    func describe(_ t: Token) -> String {
        switch t {
        case .identifier(let s), .variable(let s), .map(let s), .symbol(let s): return "'\(s)'"
        case .integer(let n): return "'\(n)'"
        case .string: return "a string"
        case .end: return "end of program"
        }
    }

    mutating func expect(_ s: String) throws(BtError) {
        guard token == .symbol(s) else { throw BtError(tokenPosition, "expected '\(s)', found \(describe(token))") }
        try next()
    }

    // MARK: probes

    mutating func program() throws(BtError) -> BtProgram {
        var probes: [BtProbe] = []
        try skipBlanks()
        while index < text.count {
            if try skipStructDefinition() { try skipBlanks(); continue }
            probes.append(try probe())
            try skipBlanks()
        }
        if probes.isEmpty { throw BtError(position, "the program has no probes") }
        return BtProgram(probes: probes)
    }

    /// A top-level C `struct NAME { … };` (the .bt tools declare kernel structs for their casts
    /// where BTF is missing): skipped, since a recording serves no struct cast, which is refused
    /// by name where the program uses one.
    mutating func skipStructDefinition() throws(BtError) -> Bool {
        let keyword = Array("struct".utf8)
        guard index + keyword.count < text.count, Array(text[index..<index + keyword.count]) == keyword,
              text[index + keyword.count] == 32 || text[index + keyword.count] == 9 else { return false }
        // `struct NAME {`: otherwise it is not a definition (no probe starts with "struct").
        var j = index + keyword.count
        while j < text.count, text[j] == 32 || text[j] == 9 { j += 1 }
        while j < text.count, text[j] == UInt8(ascii: "_") || (text[j] | 0x20 >= UInt8(ascii: "a") && text[j] | 0x20 <= UInt8(ascii: "z")) || (text[j] >= 48 && text[j] <= 57) { j += 1 }
        while j < text.count, text[j] == 32 || text[j] == 9 || text[j] == 10 || text[j] == 13 { j += 1 }
        guard j < text.count, text[j] == UInt8(ascii: "{") else { return false }
        let start = position
        var depth = 0
        while index < text.count {
            let c = text[index]
            if c == 10 { line += 1; lineStart = index + 1 }
            if c == UInt8(ascii: "{") { depth += 1 }
            if c == UInt8(ascii: "}") {
                depth -= 1
                if depth == 0 {
                    index += 1
                    try skipBlanks()
                    guard index < text.count, text[index] == UInt8(ascii: ";") else { throw BtError(position, "expected ';' after the struct definition") }
                    index += 1
                    return true
                }
            }
            index += 1
        }
        throw BtError(start, "unterminated struct definition")
    }

    /// An attach point is read as raw text: up to a blank, ',', '{' or a '/' that starts the
    /// predicate (paths of uprobes keep their slashes).
    mutating func attachPoint() throws(BtError) -> String {
        try skipBlanks()
        let start = index
        while index < text.count {
            let c = text[index]
            if c == 32 || c == 9 || c == 10 || c == 13 || c == UInt8(ascii: ",") || c == UInt8(ascii: "{") { break }
            if c == UInt8(ascii: "/") {
                let sofar = String(decoding: text[start..<index], as: UTF8.self)
                // In a uprobe's binary path (its second part) a '/' is the path's.
                let userProbe = ["uprobe", "uretprobe", "usdt", "u", "ur", "U"].contains { sofar.hasPrefix($0 + ":") }
                if !(userProbe && sofar.filter { $0 == ":" }.count == 1) { break }
            }
            index += 1
        }
        guard index > start else { throw BtError(position, "expected an attach point (e.g. tracepoint:syscalls:sys_enter_openat, BEGIN)") }
        return String(decoding: text[start..<index], as: UTF8.self)
    }

    mutating func probe() throws(BtError) -> BtProbe {
        let line = self.line
        var points = [try attachPoint()]
        try skipBlanks()
        while index < text.count, text[index] == UInt8(ascii: ",") {
            index += 1
            points.append(try attachPoint())
            try skipBlanks()
        }
        try next()
        var predicate: BtExpr?
        if token == .symbol("/") {
            inPredicate = true
            try next()
            predicate = try expression()
            inPredicate = false
            try expect("/")
        }
        guard token == .symbol("{") else { throw BtError(tokenPosition, "expected '{' to start the probe's action block, found \(describe(token))") }
        let body = try block(afterProbe: true)
        return BtProbe(attachPoints: points, predicate: predicate, body: body, line: line)
    }

    /// `{ statements }`; after a probe the next token is the next attach point, so it is not lexed.
    mutating func block(afterProbe: Bool = false) throws(BtError) -> [BtStatement] {
        try expect("{")
        var statements: [BtStatement] = []
        while token != .symbol("}") {
            if token == .end { throw BtError(tokenPosition, "expected '}' to close the block") }
            if token == .symbol(";") { try next(); continue }
            let s = try statement()
            statements.append(s)
            switch s {
            case .ifElse, .unroll: continue
            default:
                if token == .symbol(";") { try next() } else if token != .symbol("}") {
                    throw BtError(tokenPosition, "expected ';' or '}' after a statement, found \(describe(token))")
                }
            }
        }
        if afterProbe { token = .end } else { try next() }
        return statements
    }

    mutating func statement() throws(BtError) -> BtStatement {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw BtError(tokenPosition, "the program nests deeper than \(Self.maxDepth) levels") }
        let at = tokenPosition
        switch token {
        case .identifier("if"):
            try next()
            try expect("(")
            let condition = try expression()
            try expect(")")
            let yes = try block()
            var no: [BtStatement] = []
            if token == .identifier("else") {
                try next()
                if token == .identifier("if") { no = [try statement()] } else { no = try block() }
            }
            return .ifElse(condition, yes, no)
        case .identifier("unroll"):
            try next()
            try expect("(")
            guard case .integer(let n) = token, n >= 1, n <= 100 else { throw BtError(tokenPosition, "unroll takes an integer from 1 to 100") }
            try next()
            try expect(")")
            return .unroll(Int(n), try block())
        case .identifier("return"):
            try next()
            return .return
        case .identifier("while"), .identifier("for"):
            throw BtError(at, "'\(describe(token))' loops are not in bpftrace 0.17; use unroll(n)")
        case .symbol("++"), .symbol("--"):
            let delta: Int64 = token == .symbol("++") ? 1 : -1
            try next()
            return .increment(try lvalue(), delta: delta, at)
        default: break
        }
        let e = try expression()
        if case .symbol(let s) = token, let op = BtAssignOperator(rawValue: s) {
            guard let target = Self.lvalue(of: e) else { throw BtError(tokenPosition, "only maps and $variables can be assigned") }
            try next()
            return .assign(target, op, try expression(), at)
        }
        if token == .symbol("++") || token == .symbol("--") {
            guard let target = Self.lvalue(of: e) else { throw BtError(tokenPosition, "only maps and $variables can be incremented") }
            let delta: Int64 = token == .symbol("++") ? 1 : -1
            try next()
            return .increment(target, delta: delta, at)
        }
        return .expression(e)
    }

    mutating func lvalue() throws(BtError) -> BtLValue {
        let e = try unary()
        guard let l = Self.lvalue(of: e) else { throw BtError(e.position, "only maps and $variables can be incremented") }
        return l
    }

    static func lvalue(of e: BtExpr) -> BtLValue? {
        switch e {
        case .variable(let n, _): return .variable(n)
        case .map(let n, let keys, _): return .map(n, keys)
        default: return nil
        }
    }

    // MARK: expressions

    static let precedence: [String: Int] = [
        "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6, "<": 7, "<=": 7, ">": 7, ">=": 7,
        "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
    ]

    mutating func expression() throws(BtError) -> BtExpr {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw BtError(tokenPosition, "the expression nests deeper than \(Self.maxDepth) levels") }
        let at = tokenPosition
        let condition = try binary(1)
        guard token == .symbol("?") else { return condition }
        try next()
        let yes = try expression()
        try expect(":")
        return .ternary(condition, yes, try expression(), at)
    }

    mutating func binary(_ minimum: Int) throws(BtError) -> BtExpr {
        var left = try unary()
        while case .symbol(let s) = token, let p = Self.precedence[s], p >= minimum, !(inPredicate && s == "/") {
            let at = tokenPosition
            try next()
            left = .binary(s, left, try binary(p + 1), at)
        }
        return left
    }

    /// Constants of kernel headers that bpftrace programs take from `#include` (bpftrace
    /// resolves them through the headers; a recording's analysis has none).
    static let kernelConstants: [String: Int64] = [
        "TASK_RUNNING": 0, "TASK_INTERRUPTIBLE": 1, "TASK_UNINTERRUPTIBLE": 2, "__TASK_STOPPED": 4, "__TASK_TRACED": 8,
        "EXIT_DEAD": 16, "EXIT_ZOMBIE": 32, "TASK_PARKED": 64, "TASK_DEAD": 128, "TASK_WAKEKILL": 256, "TASK_NOLOAD": 1024,
        "AF_INET": 2, "AF_INET6": 10, "AF_UNIX": 1,
        "TCP_ESTABLISHED": 1, "TCP_SYN_SENT": 2, "TCP_SYN_RECV": 3, "TCP_FIN_WAIT1": 4, "TCP_FIN_WAIT2": 5, "TCP_TIME_WAIT": 6,
        "TCP_CLOSE": 7, "TCP_CLOSE_WAIT": 8, "TCP_LAST_ACK": 9, "TCP_LISTEN": 10, "TCP_CLOSING": 11, "TCP_NEW_SYN_RECV": 12,
        "IPPROTO_TCP": 6, "IPPROTO_UDP": 17,
        // enum skb_drop_reason as the recorder's vmlinux.h has it (6.x): the tcp family keeps
        // only drops above it, so a program's test of it holds for every recorded row.
        "SKB_NOT_DROPPED_YET": 0, "SKB_CONSUMED": 1, "SKB_DROP_REASON_NOT_SPECIFIED": 2,
    ]

    static let castTypes: Set<String> = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]

    mutating func unary() throws(BtError) -> BtExpr {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw BtError(tokenPosition, "the expression nests deeper than \(Self.maxDepth) levels") }
        let at = tokenPosition
        switch token {
        case .symbol("-"), .symbol("!"), .symbol("~"):
            guard case .symbol(let op) = token else { fatalError("unreachable") }
            try next()
            return .unary(op, try unary(), at)
        case .symbol("*"):
            throw BtError(at, "'*' dereferences kernel memory, which a recording does not hold")
        case .symbol("&"):
            throw BtError(at, "'&' takes an address, which means nothing over a recording")
        case .symbol("("):
            // (int32)expr, (struct task_struct *)expr, or a parenthesized expression.
            let save = (index, line, lineStart, token, tokenPosition)
            try next()
            if case .identifier(let t) = token, Self.castTypes.contains(t) {
                try next()
                if token == .symbol(")") {
                    try next()
                    return .cast(t, try unary(), at)
                }
            }
            if case .identifier("struct") = token {
                // Parsed, and served by the compiler only where the recording holds the
                // fields read through it ((struct task_struct *)curtask).
                try next()
                guard case .identifier(let name) = token else { throw BtError(tokenPosition, "expected a struct name after 'struct'") }
                try next()
                guard token == .symbol("*") else { throw BtError(tokenPosition, "expected '*' in the cast to struct \(name)") }
                while token == .symbol("*") { try next() }
                try expect(")")
                return .structCast("struct " + name, try unary(), at)
            }
            (index, line, lineStart, token, tokenPosition) = save
            try next()
            let e = try expression()
            try expect(")")
            return try postfix(e)
        default:
            return try postfix(try primary())
        }
    }

    /// `e->a.b->c`: the compiler serves the chains a recording holds and refuses the rest by name.
    mutating func postfix(_ e: BtExpr) throws(BtError) -> BtExpr {
        var path: [String] = []
        while token == .symbol("->") || token == .symbol(".") {
            let arrow = token == .symbol("->") ? "->" : "."
            try next()
            guard case .identifier(let name) = token else { throw BtError(tokenPosition, "expected a field name after '\(arrow)'") }
            path.append(name)
            try next()
        }
        if token == .symbol("[") && !path.isEmpty {
            throw BtError(tokenPosition, "'[' indexes memory a recording does not hold")
        }
        return path.isEmpty ? e : .member(e, path, e.position)
    }

    mutating func arguments() throws(BtError) -> [BtExpr] {
        try expect("(")
        var out: [BtExpr] = []
        if token != .symbol(")") {
            out.append(try expression())
            while token == .symbol(",") { try next(); out.append(try expression()) }
        }
        try expect(")")
        return out
    }

    mutating func primary() throws(BtError) -> BtExpr {
        let at = tokenPosition
        switch token {
        case .integer(let n):
            try next()
            return .integer(n, at)
        case .string(let s):
            try next()
            return .string(s, at)
        case .variable(let name):
            try next()
            if let n = Int(name.dropFirst()) { return .positional(n, at) }
            return .variable(name, at)
        case .map(let name):
            try next()
            if token == .symbol("[") {
                try next()
                var keys = [try expression()]
                while token == .symbol(",") { try next(); keys.append(try expression()) }
                try expect("]")
                return .map(name, keys, at)
            }
            return .map(name, [], at)
        case .identifier(let name):
            try next()
            if name == "args" {
                guard token == .symbol("->") || token == .symbol(".") else { throw BtError(tokenPosition, "args is read by field: args->FIELD") }
                try next()
                guard case .identifier(let field) = token else { throw BtError(tokenPosition, "expected a field name after args->") }
                try next()
                return try postfix(.field(field, at))
            }
            if token == .symbol("(") { return .call(name, try arguments(), at) }
            if let v = defines[name] ?? BtParser.kernelConstants[name] { return .integer(v, at) }
            // Builtins a recording lacks (retval, gid...) are refused by the compiler, after the
            // probes: a kretprobe's refusal says what serves its events instead.
            return try postfix(.builtin(name, at))
        default:
            throw BtError(at, "unexpected \(describe(token))")
        }
    }
}
