import Glibc

/// An argument of a C printf conversion.
public enum CArg: Sendable, Equatable {
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
}

extension CArg: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByFloatLiteral {
    public init(integerLiteral v: Int64) { self = .int(v) }
    public init(stringLiteral v: String) { self = .string(v) }
    public init(floatLiteral v: Double) { self = .double(v) }
    public init(_ v: Int) { self = .int(Int64(v)) }
    public init(_ v: Int32) { self = .int(Int64(v)) }
    public init(_ v: UInt32) { self = .int(Int64(v)) }
    public init(_ v: UInt64) { self = .uint(v) }
}

/// A bad format string or arguments that do not fit it, with the byte offset in the format.
public struct CFormatError: Error, CustomStringConvertible, Equatable {
    public let offset: Int
    public let message: String
    public var description: String { "offset \(offset): \(message)" }
}

/// C's printf, as glibc does it, for the formats bcc, libbpf-tools and bpftrace print with:
/// flags `-+ #0`, width and precision (also `*`), length modifiers (hh h l ll L j z t q), and
/// the conversions `d i u o x X c s f F e E g G a A p %`. Widths and precisions count bytes,
/// as glibc's do, so a comm with multi-byte characters pads as the live tool pads it. Parsed
/// once, applied per row: tools declare a row with the live tool's own format string.
public struct CFormat: Sendable, Equatable {
    enum Length: Sendable { case char, short, int, long }
    struct Spec: Sendable, Equatable {
        var offset: Int
        var left = false, plus = false, space = false, alternate = false, zero = false
        /// nil: none; -1: `*` (taken from the arguments).
        var width: Int?
        var precision: Int?
        var length = Length.int
        var conversion: UInt8
        /// The spec's own text, for the conversions handed to vsnprintf (floats).
        var text: [UInt8]
    }
    enum Piece: Sendable, Equatable {
        case literal([UInt8])
        case spec(Spec)
    }

    public let source: String
    let pieces: [Piece]

    /// How many arguments a row must give (a `*` width or precision takes one too).
    public var argumentCount: Int {
        pieces.reduce(0) { n, p in
            guard case .spec(let s) = p, s.conversion != UInt8(ascii: "%") else { return n }
            return n + 1 + (s.width == -1 ? 1 : 0) + (s.precision == -1 ? 1 : 0)
        }
    }

    public init(_ format: String) throws {
        source = format
        let f = Array(format.utf8)
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        var i = 0
        func digits() -> Int? {
            var n: Int?
            while i < f.count, f[i] >= 0x30, f[i] <= 0x39 { n = (n ?? 0) * 10 + Int(f[i] - 0x30); i += 1 }
            return n
        }
        while i < f.count {
            guard f[i] == UInt8(ascii: "%") else { literal.append(f[i]); i += 1; continue }
            let start = i
            i += 1
            guard i < f.count else { throw CFormatError(offset: start, message: "a format ends in the middle of a conversion ('%' with nothing after it)") }
            if f[i] == UInt8(ascii: "%") { literal.append(f[i]); i += 1; continue }
            var s = Spec(offset: start, conversion: 0, text: [])
            flags: while i < f.count {
                switch f[i] {
                case UInt8(ascii: "-"): s.left = true
                case UInt8(ascii: "+"): s.plus = true
                case UInt8(ascii: " "): s.space = true
                case UInt8(ascii: "#"): s.alternate = true
                case UInt8(ascii: "0"): s.zero = true
                default: break flags
                }
                i += 1
            }
            if i < f.count, f[i] == UInt8(ascii: "*") { s.width = -1; i += 1 } else { s.width = digits() }
            if i < f.count, f[i] == UInt8(ascii: ".") {
                i += 1
                if i < f.count, f[i] == UInt8(ascii: "*") { s.precision = -1; i += 1 } else { s.precision = digits() ?? 0 }
            }
            lengths: while i < f.count {
                switch f[i] {
                case UInt8(ascii: "h"): s.length = s.length == .short ? .char : .short
                case UInt8(ascii: "l"), UInt8(ascii: "L"), UInt8(ascii: "q"), UInt8(ascii: "j"), UInt8(ascii: "z"), UInt8(ascii: "t"): s.length = .long
                default: break lengths
                }
                i += 1
            }
            guard i < f.count else { throw CFormatError(offset: start, message: "the conversion '\(String(decoding: f[start...], as: UTF8.self))' has no conversion character") }
            let c = f[i]
            guard "diuoxXcsfFeEgGaAp".utf8.contains(c) else {
                throw CFormatError(offset: i, message: "unknown conversion '%\(String(decoding: [c], as: UTF8.self))' (expected one of d i u o x X c s f F e E g G a A p %)")
            }
            i += 1
            s.conversion = c
            s.text = Array(f[start..<i])
            if !literal.isEmpty { pieces.append(.literal(literal)); literal = [] }
            pieces.append(.spec(s))
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    /// The formatted text; throws when the arguments do not fit the conversions.
    public func format(_ args: [CArg]) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        try append(args, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `format` for a tool's own declared row, where a misfit is a programming error.
    public func callAsFunction(_ args: CArg...) -> String { self(args) }

    public func callAsFunction(_ args: [CArg]) -> String {
        do { return try format(args) } catch { preconditionFailure("printf \"\(source)\": \(error)") }
    }

    public func append(_ args: [CArg], to out: inout [UInt8]) throws {
        var next = 0
        func take(_ s: Spec) throws -> CArg {
            guard next < args.count else { throw CFormatError(offset: s.offset, message: "'\(String(decoding: s.text, as: UTF8.self))' has no argument (\(args.count) given)") }
            defer { next += 1 }
            return args[next]
        }
        func takeInt(_ s: Spec) throws -> Int {
            switch try take(s) {
            case .int(let v): return Int(clamping: v)
            case .uint(let v): return Int(clamping: v)
            default: throw CFormatError(offset: s.offset, message: "a '*' width or precision needs an integer argument")
            }
        }
        for piece in pieces {
            switch piece {
            case .literal(let b): out.append(contentsOf: b)
            case .spec(var s):
                if s.width == -1 {
                    let w = try takeInt(s)
                    if w < 0 { s.left = true }
                    s.width = abs(w)
                }
                if s.precision == -1 {
                    let p = try takeInt(s)
                    s.precision = p < 0 ? nil : p
                }
                try Self.convert(s, try take(s), into: &out)
            }
        }
        if next < args.count {
            throw CFormatError(offset: source.utf8.count, message: "\(args.count - next) argument(s) more than the format's \(next) conversion(s)")
        }
    }

    static func convert(_ s: Spec, _ arg: CArg, into out: inout [UInt8]) throws {
        switch s.conversion {
        case UInt8(ascii: "s"):
            let bytes: [UInt8]
            switch arg {
            case .string(let v): bytes = Array(v.utf8)
            default: throw CFormatError(offset: s.offset, message: "'%s' needs a string argument, got \(arg)")
            }
            pad(s.precision.map { Array(bytes.prefix($0)) } ?? bytes, s, into: &out)
        case UInt8(ascii: "c"):
            guard let v = integer(arg) else { throw CFormatError(offset: s.offset, message: "'%c' needs an integer argument, got \(arg)") }
            pad([UInt8(truncatingIfNeeded: v)], s, into: &out)
        case UInt8(ascii: "d"), UInt8(ascii: "i"):
            guard let raw = integer(arg) else { throw CFormatError(offset: s.offset, message: "'\(String(decoding: s.text, as: UTF8.self))' needs an integer argument, got \(arg)") }
            let v: Int64
            switch s.length {
            case .char: v = Int64(Int8(truncatingIfNeeded: raw))
            case .short: v = Int64(Int16(truncatingIfNeeded: raw))
            case .int: v = Int64(Int32(truncatingIfNeeded: raw))
            case .long: v = raw
            }
            let sign: [UInt8] = v < 0 ? [UInt8(ascii: "-")] : s.plus ? [UInt8(ascii: "+")] : s.space ? [UInt8(ascii: " ")] : []
            number(Array(String(v.magnitude).utf8), sign: sign, s, into: &out)
        case UInt8(ascii: "u"), UInt8(ascii: "o"), UInt8(ascii: "x"), UInt8(ascii: "X"), UInt8(ascii: "p"):
            guard let raw = integer(arg) else { throw CFormatError(offset: s.offset, message: "'\(String(decoding: s.text, as: UTF8.self))' needs an integer argument, got \(arg)") }
            var v = UInt64(bitPattern: raw)
            if s.conversion != UInt8(ascii: "p") {
                switch s.length {
                case .char: v = UInt64(UInt8(truncatingIfNeeded: v))
                case .short: v = UInt64(UInt16(truncatingIfNeeded: v))
                case .int: v = UInt64(UInt32(truncatingIfNeeded: v))
                case .long: break
                }
            }
            switch s.conversion {
            case UInt8(ascii: "u"): number(Array(String(v).utf8), sign: [], s, into: &out)
            case UInt8(ascii: "o"):
                guard s.alternate else { number(Array(String(v, radix: 8).utf8), sign: [], s, into: &out); return }
                // '#' raises the precision until the first digit is 0 (so 0 with .0 prints "0").
                var d = v == 0 && s.precision == 0 ? [] : Array(String(v, radix: 8).utf8)
                if let p = s.precision, d.count < p { d.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: p - d.count), at: 0) }
                if d.first != UInt8(ascii: "0") { d.insert(UInt8(ascii: "0"), at: 0) }
                var n = s
                if n.precision != nil { n.precision = 1 }
                number(d, sign: [], n, into: &out)
            case UInt8(ascii: "p"):
                if v == 0 { var n = s; n.zero = false; pad(Array("(nil)".utf8), n, into: &out); return }
                number(Array(String(v, radix: 16).utf8), sign: Array("0x".utf8), s, into: &out)
            default:
                let upper = s.conversion == UInt8(ascii: "X")
                let d = Array(String(v, radix: 16, uppercase: upper).utf8)
                number(d, sign: s.alternate && v != 0 ? Array((upper ? "0X" : "0x").utf8) : [], s, into: &out)
            }
        default:
            // Floating conversions: glibc's own rendering, one conversion at a time.
            let d: Double
            switch arg {
            case .double(let v): d = v
            case .int(let v): d = Double(v)
            case .uint(let v): d = Double(v)
            case .string: throw CFormatError(offset: s.offset, message: "'\(String(decoding: s.text, as: UTF8.self))' needs a number, got \(arg)")
            }
            var spec = s.text.filter { !"hlLqjzt".utf8.contains($0) }
            if s.width != nil || s.precision != nil {
                // Rebuild a '*' spec with its taken values.
                spec = Array("%".utf8) + (s.left ? [UInt8(ascii: "-")] : []) + (s.plus ? [UInt8(ascii: "+")] : []) + (s.space ? [UInt8(ascii: " ")] : [])
                    + (s.alternate ? [UInt8(ascii: "#")] : []) + (s.zero ? [UInt8(ascii: "0")] : [])
                    + Array((s.width.map(String.init) ?? "").utf8) + Array((s.precision.map { ".\($0)" } ?? "").utf8) + [s.conversion]
            }
            spec.append(0)
            var buf = [CChar](repeating: 0, count: 512 + (s.width ?? 0) + (s.precision ?? 0))
            let n = spec.withUnsafeBufferPointer { fmt in
                withVaList([d]) { vsnprintf(&buf, buf.count, UnsafeRawPointer(fmt.baseAddress!).assumingMemoryBound(to: CChar.self), $0) }
            }
            out.append(contentsOf: buf.prefix(Int(max(0, min(n, Int32(buf.count - 1))))).map { UInt8(bitPattern: $0) })
        }
    }

    static func integer(_ a: CArg) -> Int64? {
        switch a {
        case .int(let v): return v
        case .uint(let v): return Int64(bitPattern: v)
        case .double(let v): return v.isFinite ? Int64(v) : nil
        case .string: return nil
        }
    }

    /// Width padding of a field, by bytes.
    static func pad(_ field: [UInt8], _ s: Spec, into out: inout [UInt8]) {
        let fill = max(0, (s.width ?? 0) - field.count)
        if !s.left { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: fill)) }
        out.append(contentsOf: field)
        if s.left { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: fill)) }
    }

    /// An integer's digits with its precision (minimum digits; `.0` prints nothing for 0), sign
    /// or prefix, and width (zeros after the sign with `0`, unless `-` or a precision).
    static func number(_ digitsIn: [UInt8], sign: [UInt8], _ s: Spec, into out: inout [UInt8]) {
        var digits = digitsIn
        if let p = s.precision {
            if p == 0 && digits == [UInt8(ascii: "0")] { digits = [] }
            if digits.count < p { digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: p - digits.count), at: 0) }
        }
        let total = sign.count + digits.count
        let fill = max(0, (s.width ?? 0) - total)
        if s.left {
            out.append(contentsOf: sign); out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: fill))
        } else if s.zero && s.precision == nil {
            out.append(contentsOf: sign)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: fill))
            out.append(contentsOf: digits)
        } else {
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: fill))
            out.append(contentsOf: sign); out.append(contentsOf: digits)
        }
    }
}

/// `printf(format, args...)` for a tool's own fixed text (a heading, a banner): the format is
/// the live tool's, so a misfit is a programming error.
public func printf(_ format: String, _ args: CArg...) -> String {
    do { return try CFormat(format).format(args) } catch { preconditionFailure("printf \"\(format)\": \(error)") }
}
