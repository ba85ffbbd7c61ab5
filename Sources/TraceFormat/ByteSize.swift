import Foundation

/// Sizes as command lines write them: bytes, or a number with K, M, G or T (powers of 1024;
/// KB, KiB … read as powers of 1024 too, as dd and GNU tools' suffixes are). Shared by bpfrec's
/// --max-size / --ring / --rotate and bpfan's --max-memory, each with its own minimum and
/// messages; here because both sides depend on the format library and on nothing else in common.
public enum ByteSize {
    public enum Problem: Error, Sendable, Equatable { case malformed, tooSmall, tooLarge }

    public static func parse(_ text: String, atLeast minimum: Int) -> Result<Int, Problem> {
        var digits = Substring(text.trimmingCharacters(in: .whitespaces))
        var unit = ""
        while let last = digits.last, last.isLetter { unit = String(last) + unit; digits.removeLast() }
        let shifts: [String: Int] = ["": 0, "B": 0, "K": 10, "KB": 10, "KIB": 10, "M": 20, "MB": 20, "MIB": 20,
                                     "G": 30, "GB": 30, "GIB": 30, "T": 40, "TB": 40, "TIB": 40]
        guard let value = Double(digits), value.isFinite, value > 0, let shift = shifts[unit.uppercased()] else { return .failure(.malformed) }
        let bytes = value * Double(1 << shift)
        guard bytes >= Double(minimum) else { return .failure(.tooSmall) }
        guard bytes < Double(1 << 62) else { return .failure(.tooLarge) }
        return .success(Int(bytes))
    }
}
