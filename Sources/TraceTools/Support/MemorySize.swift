import ArgumentParser
import Foundation

/// `--max-memory SIZE`: bytes, or a number with K, M, G or T (powers of 1024, as bpfrec's
/// --max-size reads them).
public enum MemorySize {
    public static func parse(_ text: String, flag: String) throws -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        var digits = Substring(t)
        var unit = ""
        while let last = digits.last, last.isLetter { unit = String(last) + unit; digits.removeLast() }
        let shifts: [String: Int] = ["": 0, "B": 0, "K": 10, "KB": 10, "KIB": 10, "M": 20, "MB": 20, "MIB": 20,
                                     "G": 30, "GB": 30, "GIB": 30, "T": 40, "TB": 40, "TIB": 40]
        guard let value = Double(digits), value.isFinite, value > 0, let shift = shifts[unit.uppercased()] else {
            throw ValidationError("\(flag) \(text): expected a size such as 500M, 2G or 1048576 (bytes)")
        }
        let bytes = value * Double(1 << shift)
        // SQLite needs a few MB to compile and run anything.
        guard bytes >= Double(8 << 20) else { throw ValidationError("\(flag) \(text): too small; at least 8M") }
        guard bytes < Double(1 << 62) else { throw ValidationError("\(flag) \(text): too large") }
        return Int64(bytes)
    }
}
