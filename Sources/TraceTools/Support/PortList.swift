/// The comma-separated `-L`/`-D` port lists of the TCP tools, read as their C parsers read
/// them: `strtol` per token (garbage is 0), stored as a u16.
enum PortList {
    static func parse(_ text: String) -> [Int] {
        text.split(separator: ",", omittingEmptySubsequences: true).map { token in
            Int(UInt16(truncatingIfNeeded: leadingInteger(String(token))))
        }
    }

    /// `strtol(s, NULL, 10)`: optional sign and leading digits, 0 when there are none.
    static func leadingInteger(_ s: String) -> Int {
        var chars = Substring(s.drop { $0 == " " || $0 == "\t" })
        var sign = 1
        if let f = chars.first, f == "-" || f == "+" {
            sign = f == "-" ? -1 : 1
            chars = chars.dropFirst()
        }
        let digits = chars.prefix { $0.isASCII && $0.isNumber }
        return sign * (Int(digits.prefix(18)) ?? 0)
    }
}
