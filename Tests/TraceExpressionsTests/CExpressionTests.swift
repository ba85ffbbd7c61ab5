import Testing
@testable import TraceExpressions

/// Bindings over a dictionary row: fields a (int), big (u64), small (u8), name (string),
/// path (pointer read as a string), raw (pointer not read).
struct DictionaryBindings: CExpressionBindings {
    typealias Row = [String: CValue]
    static let types: [String: CStaticType] = [
        "a": .integer(.int), "big": .integer(.unsignedLong), "small": .integer(CType(bits: 8, signed: false)),
        "name": .string, "path": .pointer(readAsString: true), "raw": .pointer(readAsString: false),
    ]
    func field(_ name: String) throws(CExpressionError) -> CBinding<Row> {
        guard let t = Self.types[name] else { throw CExpressionError("no field \(name)") }
        return CBinding(type: t, read: { $0[name] ?? .int(0) }, text: { $0[name + "_str"]?.bytes ?? [] }, unreadStringHint: " (record it with :\(name)=str)")
    }
    func name(_ name: String) throws(CExpressionError) -> CBinding<Row> {
        guard name == "$PID" else { throw CExpressionError("unknown \(name)") }
        return CBinding(type: .integer(.unsignedInt), read: { $0["pid"] ?? .int(0) })
    }
    func call(_ name: String, arguments: [CExpression]) throws(CExpressionError) -> CBinding<Row> {
        throw CExpressionError("unknown function \(name)")
    }
}

func eval(_ text: String, _ row: [String: CValue] = [:], as type: CType? = nil) throws -> CValue {
    try CExpressionCompiler.compile(CExpressionParser.parse(text), DictionaryBindings(), as: type)(row)
}

@Suite struct CExpressionTests {
    @Test func precedenceAndAssociativity() throws {
        #expect(try eval("1 + 2 * 3") == .int(7))
        #expect(try eval("(1 + 2) * 3") == .int(9))
        #expect(try eval("10 - 4 - 3") == .int(3))
        #expect(try eval("1 << 4 | 1") == .int(17))
        #expect(try eval("1 < 2 == 1") == .int(1))
        #expect(try eval("0 || 2 && 3") == .int(1))
        #expect(try eval("1 ? 2 : 0 ? 3 : 4") == .int(2))
        #expect(try eval("-2 * -3") == .int(6))
        #expect(try eval("!0 + ~0") == .int(0))
        #expect(try eval("0x10 + 010 + 'A'") == .int(16 + 8 + 65))
    }

    @Test func cIntegerConversions() throws {
        // unsigned int arithmetic wraps at 32 bits; a negative int compared with unsigned is large.
        #expect(try eval("0u - 1") == .int(4_294_967_295))
        #expect(try eval("-1 < 1u") == .int(0))
        #expect(try eval("-1 < 1") == .int(1))
        #expect(try eval("args->big > 0", ["big": .int(-1)]) == .int(1))
        #expect(try eval("args->a - 1", ["a": .int(Int64(Int32.min))]) == .int(Int64(Int32.max)))
        #expect(try eval("args->small + 1", ["small": .int(255)]) == .int(256))
        #expect(try eval("(u8)300") == .int(44))
        #expect(try eval("(int)4294967295") == .int(-1))
        #expect(try eval("(unsigned long)-1 >> 60") == .int(15))
        #expect(try eval("-16 >> 2") == .int(-4))
        #expect(try eval("args->a", ["a": .int(-5)], as: .unsignedInt) == .int(4_294_967_291))
        #expect(try eval("2147483648") == .int(2_147_483_648))
    }

    @Test func divisionByZeroIsBPFs() throws {
        #expect(try eval("7 / 0") == .int(0))
        #expect(try eval("7 % 0") == .int(7))
        #expect(try eval("-7 / 2") == .int(-3))
        #expect(try eval("-7 % 2") == .int(-1))
    }

    @Test func strings() throws {
        let row: [String: CValue] = ["name": .string(Array("bash".utf8)), "path_str": .string(Array("/etc/passwd\0".utf8))]
        #expect(try eval("args->name == \"bash\"", row) == .int(1))
        #expect(try eval("args->name != \"bash\"", row) == .int(0))
        #expect(try eval("STRCMP(\"bash\", args->name)", row) == .int(1))
        #expect(try eval("args->path == \"/etc/passwd\"", row) == .int(1))
        #expect(try eval("args->path", row, as: .charPointer) == .string(Array("/etc/passwd\0".utf8)))
        #expect(try eval("args->name", row) == .string(Array("bash".utf8)))
    }

    @Test(arguments: [
        ("1 +", "column 4: unexpected end of expression"),
        ("(1 + 2", "column 7: expected ')' before the end of the expression"),
        ("*args->p", "column 1: '*' dereferences memory, which a recording does not hold (only the event's own fields are recorded)"),
        ("task->pid", "column 1: 'task->': only args-> fields of the recorded event can be read; a recording holds no other kernel memory"),
        ("\"abc", "column 1: unterminated string literal"),
        ("1 # 2", "column 3: unexpected character '#'"),
        ("0x", "column 1: bad number '0x'"),
        ("", "column 1: empty expression"),
    ])
    func syntaxErrorsSayWhere(text: String, message: String) {
        #expect(throws: CExpressionError.self) { try CExpressionParser.parse(text) }
        do { _ = try CExpressionParser.parse(text) } catch { #expect(error.description == message) }
    }

    @Test(arguments: [
        ("args->nope", "no field nope"),
        ("args->raw == \"x\"", "args->raw is a pointer whose string was not recorded (record it with :raw=str)"),
        ("args->name + 1", "args->name is a string, not a number (compare it with == \"...\")"),
        ("$TASK", "unknown $TASK"),
        ("args->a == \"x\"", "args->a is a number, not a string"),
    ])
    func bindingErrorsNameTheCulprit(text: String, message: String) throws {
        let e = try CExpressionParser.parse(text)
        do {
            _ = try CExpressionCompiler.compile(e, DictionaryBindings())
            Issue.record("expected an error for \(text)")
        } catch { #expect(error.description == message) }
    }
}
