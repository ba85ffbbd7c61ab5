/// bpftrace's `hist()`: bucket 0 holds negatives, 1 holds 0, 2 holds 1, and bucket `k + 2` holds
/// `[2^k, 2^(k+1))`.
public struct BpftraceHistogram: Sendable, Equatable, Codable {
    public var buckets: [UInt64] = Array(repeating: 0, count: 66)

    public init() {}

    public static func bucket(of v: Int64) -> Int {
        if v < 0 { return 0 }
        if v == 0 { return 1 }
        return 2 + (63 - UInt64(v).leadingZeroBitCount)
    }

    public mutating func add(_ v: Int64) { buckets[Self.bucket(of: v)] += 1 }
    /// Adds another histogram's counts.
    public mutating func merge(_ other: BpftraceHistogram) {
        for i in 0..<min(buckets.count, other.buckets.count) { buckets[i] += other.buckets[i] }
    }
    public var total: UInt64 { buckets.reduce(0, +) }

    /// A bucket's value range [low, high] (nil: unbounded below, for the negatives).
    public static func bounds(_ i: Int) -> (low: Int64?, high: Int64?) {
        switch i {
        case 0: return (nil, -1)
        case 1: return (0, 0)
        default: return (i - 2 >= 63 ? Int64.max : Int64(1) << (i - 2), i - 1 >= 63 ? Int64.max : (Int64(1) << (i - 1)) - 1)
        }
    }

    /// The bucket's label as bpftrace prints it: `(..., 0)`, `[0]`, `[1]`, `[4K, 8K)`.
    public static func label(_ i: Int) -> String {
        switch i {
        case 0: return "(..., 0)"
        case 1: return "[0]"
        case 2: return "[1]"
        default: return "[" + powerLabel(i - 2) + ", " + powerLabel(i - 1) + ")"
        }
    }

    static func powerLabel(_ power: Int) -> String {
        let suffixes: [(Int, String)] = [(40, "T"), (30, "G"), (20, "M"), (10, "K")]
        for (p, s) in suffixes where power >= p { return String(1 << (power - p)) + s }
        return String(1 << power)
    }
}

/// bpftrace's `lhist(v, min, max, step)`: bucket 0 below min, then one per step, then one at or
/// above max.
public struct BpftraceLinearHistogram: Sendable, Equatable, Codable {
    public var min: Int64
    public var max: Int64
    public var step: Int64
    public var buckets: [UInt64]

    public init(min: Int64, max: Int64, step: Int64) {
        self.min = min
        self.max = max
        self.step = step
        buckets = Array(repeating: 0, count: Int((max - min) / step) + 2)
    }

    public mutating func add(_ v: Int64) {
        if v < min { buckets[0] += 1 } else if v >= max { buckets[buckets.count - 1] += 1 } else { buckets[Int((v - min) / step) + 1] += 1 }
    }
    public var total: UInt64 { buckets.reduce(0, +) }
}

/// bpftrace 0.17's text output of maps (output.cpp): histogram lines with 52-character `@` bars,
/// `@name[key]: value` lines, and the ordering bpftrace applies when it prints a map.
public enum BpftracePrinter {
    /// The lines of one histogram, from the first to the last non-empty bucket.
    public static func hist(_ h: BpftraceHistogram) -> String {
        guard let first = h.buckets.firstIndex(where: { $0 > 0 }), let last = h.buckets.lastIndex(where: { $0 > 0 }) else { return "" }
        let maxValue = h.buckets.max() ?? 0
        var out = ""
        for i in first...last { out += line(BpftraceHistogram.label(i), h.buckets[i], maxValue) }
        return out
    }

    public static func lhist(_ h: BpftraceLinearHistogram) -> String {
        guard let first = h.buckets.firstIndex(where: { $0 > 0 }), let last = h.buckets.lastIndex(where: { $0 > 0 }) else { return "" }
        let maxValue = h.buckets.max() ?? 0
        var out = ""
        for i in first...last {
            let label: String
            if i == 0 { label = "(..., " + linearLabel(h.min) + ")" }
            else if i == h.buckets.count - 1 { label = "[" + linearLabel(h.max) + ", ...)" }
            else { label = "[" + linearLabel(Int64(i - 1) * h.step + h.min) + ", " + linearLabel(Int64(i) * h.step + h.min) + ")" }
            out += line(label, h.buckets[i], maxValue)
        }
        return out
    }

    static func linearLabel(_ n: Int64) -> String {
        if n == 0 { return "0" }
        if n % 1_048_576 == 0 { return "\(n / 1_048_576)M" }
        if n % 1024 == 0 { return "\(n / 1024)K" }
        return "\(n)"
    }

    /// `[4K, 8K)              51 |@@@@   ...   |`: label left in 16, count right in 8, bar of
    /// `count / max * 52` (truncated) `@` left in 52.
    static func line(_ label: String, _ count: UInt64, _ maxValue: UInt64) -> String {
        let n = maxValue == 0 ? 0 : Int(Float(count) / Float(maxValue) * 52)
        let bar = String(repeating: "@", count: n)
        return BccHistogramPrinter.pad(label, 16) + BccHistogramPrinter.padLeft(String(count), 8) + " |" + BccHistogramPrinter.pad(bar, 52) + "|\n"
    }

    /// A histogram map as printed at exit or by `print(@m)`: entries in ascending order of their
    /// total count (ties by key), each `@name[key]: ` + lines, separated by blank lines, plus the
    /// final newline bpftrace adds after a map.
    public static func histMap(name: String, entries: [(key: String?, lines: String, total: UInt64)]) -> String {
        let sorted = entries.sorted { ($0.total, $0.key ?? "") < ($1.total, $1.key ?? "") }
        let parts = sorted.map { mapKey(name, $0.key) + ": \n" + $0.lines }
        return parts.joined(separator: "\n") + "\n"
    }

    /// A count/sum map: ascending by value (ties by key), optionally only the `top` largest.
    /// Stable in the order given for equal values: pass entries sorted by key (numerically for
    /// integer keys) so ties print in bpftrace's key order, reproducibly.
    public static func valueMap(name: String, entries: [(key: String?, value: Int64)], top: Int = 0) -> String {
        var sorted = entries.enumerated().sorted { ($0.element.value, $0.offset) < ($1.element.value, $1.offset) }.map(\.element)
        if top > 0 && sorted.count > top { sorted.removeFirst(sorted.count - top) }
        return sorted.map { mapKey(name, $0.key) + ": " + String($0.value) }.joined(separator: "\n") + "\n"
    }

    static func mapKey(_ name: String, _ key: String?) -> String { key.map { name + "[" + $0 + "]" } ?? name }
    /// `@name[key]`, or `@name` for a map without keys.
    public static func mapKeyText(_ name: String, _ key: String?) -> String { mapKey(name, key) }
}
