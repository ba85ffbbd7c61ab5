/// A C expression as bcc's argdist and trace take them (`args->nr_sector * 512`,
/// `args->prev_state == 1 && $PID != 0`, `STRCMP("bash", $COMM)`), parsed once and evaluated
/// per recorded event. What a name means (a tracepoint field, `$PID`, `$latency`) is left to
/// the caller's bindings, so the same parser serves every tool that takes expressions.
public indirect enum CExpression: Sendable, Equatable {
    case integer(Int64, CType)
    case string([UInt8])
    /// `args->name` (also `args.name`): a field of the event.
    case field(String)
    /// `$name`, or a bare identifier (`retval`, `arg1`): resolved by the bindings.
    case name(String)
    /// `NAME(arguments)`: `STRCMP("lit", e)`, `$entry(param)`.
    case call(String, [CExpression])
    case unary(UnaryOperator, CExpression)
    case binary(BinaryOperator, CExpression, CExpression)
    case conditional(CExpression, CExpression, CExpression)
    case cast(CType, CExpression)
}

public enum UnaryOperator: String, Sendable {
    case negate = "-", plus = "+", not = "!", complement = "~"
}

public enum BinaryOperator: String, Sendable, CaseIterable {
    case multiply = "*", divide = "/", remainder = "%", add = "+", subtract = "-"
    case shiftLeft = "<<", shiftRight = ">>"
    case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case equal = "==", notEqual = "!="
    case bitAnd = "&", bitXor = "^", bitOr = "|", logicalAnd = "&&", logicalOr = "||"

    /// C's precedence, higher binds tighter.
    var precedence: Int {
        switch self {
        case .multiply, .divide, .remainder: return 10
        case .add, .subtract: return 9
        case .shiftLeft, .shiftRight: return 8
        case .less, .lessEqual, .greater, .greaterEqual: return 7
        case .equal, .notEqual: return 6
        case .bitAnd: return 5
        case .bitXor: return 4
        case .bitOr: return 3
        case .logicalAnd: return 2
        case .logicalOr: return 1
        }
    }
}

/// An integer type of C as BPF sees it (8 to 64 bits, signed or not), or `char *`.
public struct CType: Sendable, Equatable, CustomStringConvertible {
    public var bits: Int
    public var signed: Bool
    /// `char *`: a string where one is wanted (argdist's string keys, `%s`).
    public var isString: Bool

    public init(bits: Int, signed: Bool, isString: Bool = false) {
        self.bits = bits
        self.signed = signed
        self.isString = isString
    }

    public static let int = CType(bits: 32, signed: true)
    public static let unsignedInt = CType(bits: 32, signed: false)
    public static let long = CType(bits: 64, signed: true)
    public static let unsignedLong = CType(bits: 64, signed: false)
    public static let charPointer = CType(bits: 64, signed: false, isString: true)

    public var description: String {
        isString ? "char *" : (signed ? "s" : "u") + String(bits)
    }

    /// C's integer promotion: anything narrower than int computes as int.
    var promoted: CType { isString ? .unsignedLong : bits < 32 ? .int : self }

    /// The usual arithmetic conversions of two promoted operands (LP64: long holds any
    /// unsigned int, so the wider type wins; equal widths go unsigned if either is).
    static func common(_ a: CType, _ b: CType) -> CType {
        let a = a.promoted, b = b.promoted
        if a.bits == b.bits { return CType(bits: a.bits, signed: a.signed && b.signed) }
        return a.bits > b.bits ? a : b
    }

    /// `value` as this type holds it: truncated to the width, then sign- or zero-extended.
    public func normalize(_ value: Int64) -> Int64 {
        guard bits < 64 else { return value }
        let shift = Int64(64 - bits)
        return signed ? (value << shift) >> shift : Int64(bitPattern: (UInt64(bitPattern: value) << UInt64(shift)) >> UInt64(shift))
    }

    /// The type a C type name spells (`u32`, `unsigned long`, `size_t`, `char *`, `int`), or nil.
    public init?(name: String) {
        let words = name.replacingStars().split(separator: " ").map(String.init).filter { $0 != "const" && $0 != "volatile" }
        let stars = words.filter { $0 == "*" }.count
        let base = words.filter { $0 != "*" }
        if stars > 0 {
            // char * is a string; any other pointer is an address.
            if stars == 1, base == ["char"] || base == ["unsigned", "char"] || base == ["signed", "char"] {
                self = .charPointer
            } else {
                self = .unsignedLong
            }
            return
        }
        if base.count == 1, let t = Self.named[base[0]] { self = t; return }
        var signed = true, bits = 32, sawSize = false, sawSign = false
        for w in base {
            switch w {
            case "unsigned": signed = false; sawSign = true
            case "signed": signed = true; sawSign = true
            case "char": bits = 8; sawSize = true
            case "short": bits = 16; sawSize = true
            case "long": bits = 64; sawSize = true
            case "int": sawSize = true
            default: return nil
            }
        }
        guard sawSize || sawSign else { return nil }
        self.init(bits: bits, signed: signed)
    }

    static let named: [String: CType] = {
        var t: [String: CType] = [
            "bool": CType(bits: 8, signed: false), "_Bool": CType(bits: 8, signed: false),
            "size_t": .unsignedLong, "ssize_t": .long, "off_t": .long, "loff_t": .long,
            "pid_t": .int, "uid_t": .unsignedInt, "gid_t": .unsignedInt, "dev_t": .unsignedInt,
            "umode_t": CType(bits: 16, signed: false), "gfp_t": .unsignedInt,
            "sector_t": .unsignedLong, "uintptr_t": .unsignedLong, "intptr_t": .long,
        ]
        for bits in [8, 16, 32, 64] {
            for name in ["u\(bits)", "__u\(bits)", "uint\(bits)_t", "u_int\(bits)_t"] { t[name] = CType(bits: bits, signed: false) }
            for name in ["s\(bits)", "__s\(bits)", "int\(bits)_t"] { t[name] = CType(bits: bits, signed: true) }
        }
        return t
    }()
}

extension String {
    /// `char*x` and `char *` alike: stars as words of their own.
    func replacingStars() -> String {
        var out = ""
        for c in self { if c == "*" { out += " * " } else { out.append(c) } }
        return out
    }
}
