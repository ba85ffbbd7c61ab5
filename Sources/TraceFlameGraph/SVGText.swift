/// Text inside SVG (XML): the five markup characters escaped, and the characters XML 1.0
/// cannot hold at all (controls, a lone surrogate cannot occur in a Swift String) replaced,
/// so any symbol name, however mangled, leaves the document well-formed.
enum SVGText {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += " "
            default:
                if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF { out += "\u{FFFD}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    /// A fixed-point number with `digits` decimals, rounded half away from zero: the same
    /// bytes on every machine (no locale, no shortest-repr differences).
    static func fixed(_ v: Double, _ digits: Int = 2) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (abs(v) * scale).rounded(.toNearestOrAwayFromZero)
        let n = Int64(r)
        let sign = v < 0 && n != 0 ? "-" : ""
        let whole = n / Int64(scale), frac = n % Int64(scale)
        if digits == 0 { return sign + String(whole) }
        let f = String(frac)
        return sign + String(whole) + "." + String(repeating: "0", count: digits - f.count) + f
    }

    /// 1234567 → "1,234,567" (flamegraph.pl's sample counts).
    static func grouped(_ v: UInt64) -> String {
        let s = String(v)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}
