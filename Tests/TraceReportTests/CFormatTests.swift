import Glibc
import Testing
@testable import TraceReport

/// CFormat against glibc's own snprintf: the live tools print with it, so every flag, width,
/// precision and conversion must give the same bytes.
struct CFormatTests {
    /// glibc's rendering of one conversion of a 64-bit integer (`ll` added) or a double.
    func glibc(_ spec: String, _ arg: CVarArg) -> String {
        var buf = [CChar](repeating: 0, count: 1024)
        let n = withVaList([arg]) { vsnprintf(&buf, buf.count, spec, $0) }
        return String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Every combination of flags, a spread of widths and precisions, every integer
    /// conversion and length, over edge values: deterministic, so it cannot pass by luck.
    @Test func integersMatchGlibcOverEveryCombination() throws {
        let values: [Int64] = [0, 1, -1, 7, -42, 255, 65535, 1 << 31, -(1 << 31), Int64.max, Int64.min, 123_456_789_012]
        let flagChars = ["-", "+", " ", "#", "0"]
        var checked = 0
        for mask in 0..<32 {
            let flags = flagChars.indices.filter { mask & (1 << $0) != 0 }.map { flagChars[$0] }.joined()
            for width in ["", "0", "1", "5", "12", "24"] {
                for precision in ["", ".0", ".1", ".5", ".12"] {
                    for length in ["", "ll", "h", "hh"] {
                        for conv in ["d", "i", "u", "o", "x", "X"] {
                            let spec = "%" + flags + width + precision + length + conv
                            let f = try CFormat(spec)
                            for v in values {
                                // C promotes every integer argument to int at least; pass what the length reads.
                                let c: CVarArg = length == "ll" ? v : Int32(truncatingIfNeeded: v)
                                let got = try f.format([.int(v)]), want = glibc(spec, c)
                                if got != want { Issue.record("\(spec) of \(v): \(got) vs glibc \(want)"); return }
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(checked == 32 * 6 * 5 * 4 * 6 * 12)
    }

    @Test func floatsStringsAndCharsMatchGlibc() throws {
        for spec in ["%f", "%.2f", "%8.3f", "%-10.1f|", "%+e", "%g", "%.0f", "%010.4f", "%G", "%#.0f", "%a"] {
            for v in [0.0, 1.5, -2.25, 1e-7, 123456.789, 1e300] {
                #expect(try CFormat(spec).format([.double(v)]) == glibc(spec, v), "\(spec) of \(v)")
            }
        }
        for spec in ["%s", "%10s", "%-10s|", "%.3s", "%-8.2s|", "%3s"] {
            for v in ["", "ab", "abcdefghijkl"] {
                let want = v.withCString { glibc(spec, $0) }
                #expect(try CFormat(spec).format([.string(v)]) == want, "\(spec) of \(v)")
            }
        }
        #expect(try CFormat("%c%-3c|%3c").format([65, 66, 67]) == "AB  |  C")
        #expect(try CFormat("%p %p").format([.uint(0xffff_8880_0000_1000), 0]) == "0xffff888000001000 (nil)")
        #expect(try CFormat("100%% %*d|%-*s|%.*s").format([5, 42, 4, "ab", 2, "xyz"]) == "100%    42|ab  |xy")
    }

    /// Widths count bytes, as glibc's do: a two-byte character takes two columns of a %-16s.
    @Test func widthsCountBytes() throws {
        let comm = "caf\u{e9}"   // 5 bytes
        #expect(try CFormat("%-8s|").format([.string(comm)]) == comm + "   |")
        #expect(try CFormat("%-8s|").format([.string(comm)]) == comm.withCString { glibc("%-8s|", $0) })
    }

    /// The live tools' own row formats.
    @Test func liveToolFormats() throws {
        let opensnoop = try CFormat("%-6d %-16s %3d %3d %s\n")
        #expect(opensnoop(1234, "cat", 3, 0, "/etc/hostname") == "1234   cat                3   0 /etc/hostname\n")
        let biotop = try CFormat("%-7d %-16s %1s %-3d %-3d %-8s %5d %7lld %6.2f\n")
        #expect(biotop(7916, "dd", "W", 254, 0, "vda", 802, 3208, 0.04) == "7916    dd               W 254 0   vda        802    3208   0.04\n")
    }

    @Test func badFormatsAndArgumentsAreErrorsWithTheOffset() {
        #expect(throws: CFormatError(offset: 4, message: "unknown conversion '%k' (expected one of d i u o x X c s f F e E g G a A p %)")) { try CFormat("ab %k") }
        #expect(throws: CFormatError.self) { try CFormat("50%") }
        #expect(throws: CFormatError.self) { try CFormat("%d %d").format([1]) }
        #expect(throws: CFormatError.self) { try CFormat("%d").format([1, 2]) }
        #expect(throws: CFormatError.self) { try CFormat("%s").format([1]) }
        #expect(throws: CFormatError.self) { try CFormat("%d").format(["x"]) }
    }
}
