import TraceAnalysis
import TraceReport

/// A printf format of bpftrace: C's conversions over 64-bit integers and strings. Integer
/// conversions without a length print the whole 64-bit value, as bpftrace's do.
struct BtFormat {
    let format: CFormat
    /// Per conversion: whether it takes a string.
    let takesString: [Bool]

    init(_ bytes: [UInt8], at: BtPosition) throws(BtError) {
        var out: [UInt8] = []
        var kinds: [Bool] = []
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            out.append(c)
            i += 1
            guard c == UInt8(ascii: "%") else { continue }
            if i < bytes.count, bytes[i] == UInt8(ascii: "%") { out.append(bytes[i]); i += 1; continue }
            var sawLength = false
            while i < bytes.count {
                let d = bytes[i]
                if "-+ #0123456789.".utf8.contains(d) { out.append(d); i += 1; continue }
                if "hlzjt".utf8.contains(d) { sawLength = true; out.append(d); i += 1; continue }
                break
            }
            guard i < bytes.count else { throw BtError(at, "printf: the format ends inside a conversion") }
            let conv = bytes[i]
            i += 1
            if "diuxXoc".utf8.contains(conv) {
                if !sawLength && conv != UInt8(ascii: "c") { out.append(UInt8(ascii: "l")) }
                kinds.append(false)
            } else if conv == UInt8(ascii: "s") {
                kinds.append(true)
            } else if conv == UInt8(ascii: "p") {
                kinds.append(false)
            } else {
                throw BtError(at, "printf: unsupported conversion '%\(String(decoding: [conv], as: UTF8.self))'")
            }
            out.append(conv)
        }
        do { format = try CFormat(String(decoding: out, as: UTF8.self)) } catch {
            throw BtError(at, "printf: \(error)")
        }
        takesString = kinds
    }

    func check(_ types: [BtType], at: BtPosition) throws(BtError) {
        guard types.count == takesString.count else {
            throw BtError(at, "printf: the format has \(takesString.count) conversion(s) for \(types.count) argument(s)")
        }
        for (n, (t, s)) in zip(types, takesString).enumerated() where (t == .string) != s {
            throw BtError(at, "printf: argument \(n + 1) is \(t == .string ? "a string" : "an integer") but its conversion takes \(s ? "a string" : "an integer")")
        }
    }

    func render(_ values: [BtValue]) -> String {
        let args: [CArg] = values.map { v in
            switch v {
            case .int(let i), .pointer(let i, _): return .int(i)
            case .string(let s): return .string(String(decoding: s.prefix { $0 != 0 }, as: UTF8.self))
            case .stack: return .string(String(decoding: v.bytes, as: UTF8.self))
            }
        }
        return (try? format.format(args)) ?? ""
    }
}

/// bpftrace's time(): strftime of the event's wall-clock time on the recording host.
enum BtTime {
    static func format(_ fmt: [UInt8], time: Int64, clock: ClockAnchorsView?) -> String {
        guard let clock else { return "??:??:??" }
        let (h, m, s, _) = clock.localTimeOfDay(ofMonotonic: time)
        let local = clock.realtime(ofMonotonic: time) &+ Int64(clock.utcOffsetSeconds) &* 1_000_000_000
        let iso = Array(WallClock.iso8601(epochNs: local).utf8)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var out = ""
        var i = 0
        while i < fmt.count {
            if fmt[i] == UInt8(ascii: "%"), i + 1 < fmt.count {
                i += 1
                switch fmt[i] {
                case UInt8(ascii: "H"): out += two(h)
                case UInt8(ascii: "M"): out += two(m)
                case UInt8(ascii: "S"): out += two(s)
                case UInt8(ascii: "Y"): out += String(decoding: iso[0..<4], as: UTF8.self)
                case UInt8(ascii: "m"): out += String(decoding: iso[5..<7], as: UTF8.self)
                case UInt8(ascii: "d"): out += String(decoding: iso[8..<10], as: UTF8.self)
                case UInt8(ascii: "T"): out += two(h) + ":" + two(m) + ":" + two(s)
                case UInt8(ascii: "%"): out += "%"
                default: out += "%" + String(decoding: [fmt[i]], as: UTF8.self)
                }
            } else {
                out += String(decoding: [fmt[i]], as: UTF8.self)
            }
            i += 1
        }
        return out
    }
}
