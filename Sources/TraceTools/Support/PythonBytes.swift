/// Python 3's repr() of bytes, which bcc's Python tools print for strings (`"%s" % bytes`:
/// `b'bash'`).
enum PythonBytes {
    static func repr(_ bytes: [UInt8]) -> String {
        let quote: UInt8 = bytes.contains(UInt8(ascii: "'")) && !bytes.contains(UInt8(ascii: "\"")) ? UInt8(ascii: "\"") : UInt8(ascii: "'")
        var out = "b" + String(UnicodeScalar(quote))
        let hex = Array("0123456789abcdef")
        for b in bytes {
            switch b {
            case UInt8(ascii: "\\"): out += "\\\\"
            case 9: out += "\\t"
            case 10: out += "\\n"
            case 13: out += "\\r"
            case quote: out += "\\" + String(UnicodeScalar(b))
            case 0x20..<0x7f: out.append(Character(UnicodeScalar(b)))
            default: out += "\\x" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)])
            }
        }
        return out + String(UnicodeScalar(quote))
    }
}
