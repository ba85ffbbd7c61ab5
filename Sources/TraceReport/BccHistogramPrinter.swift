/// bcc / libbpf-tools histogram text (trace_helpers.c `print_log2_hist`, `print_linear_hist`):
/// a header naming the unit, one line per slot with a bar of up to 40 `*`.
public enum BccHistogramPrinter {
    /// `     usecs               : count    distribution` then `low -> high : count |****|` lines
    /// from slot 0 to the last non-empty slot; nothing at all for an empty histogram. Past slot
    /// 32 the columns widen and the bar halves, as in libbpf-tools.
    public static func log2(_ slots: [UInt64], unit: String) -> String {
        log2Text(slots, unit: unit, beforeDistribution: "    ", lastNarrowSlot: 32)
    }

    /// bcc's Python `print_log2_hist` (table.py `_print_log2_hist`) over the same slots (its
    /// index is slot + 1): `     usecs               : count     distribution`, one space
    /// more than libbpf-tools, and the wide columns from its index 33 (slot 32) on.
    public static func pythonLog2(_ slots: [UInt64], unit: String) -> String {
        log2Text(slots, unit: unit, beforeDistribution: "     ", lastNarrowSlot: 31)
    }

    static func log2Text(_ slots: [UInt64], unit: String, beforeDistribution gap: String, lastNarrowSlot: Int) -> String {
        guard let last = slots.lastIndex(where: { $0 > 0 }) else { return "" }
        let maxValue = slots.max() ?? 0
        let narrow = last <= lastNarrowSlot
        var out = String(repeating: " ", count: narrow ? 5 : 15) + pad(unit, narrow ? 19 : 29) + " : count" + gap + "distribution\n"
        let width = narrow ? 10 : 20
        let stars = narrow ? 40 : 20
        for i in 0...last {
            let r = Log2Histogram.range(ofSlot: i)
            out += padLeft(String(r.low), width) + " -> " + pad(String(r.high), width) + " : " + pad(String(slots[i]), 8) + " |"
            out += bar(slots[i], max: maxValue, width: stars) + "|\n"
        }
        return out
    }

    /// `     msecs         : count     distribution` then only the non-empty slots between the
    /// first and last non-empty ones, labelled `base + i * step`.
    public static func linear(_ slots: [UInt64], base: Int64, step: Int64, unit: String) -> String {
        guard let first = slots.firstIndex(where: { $0 > 0 }), let last = slots.lastIndex(where: { $0 > 0 }) else { return "" }
        let maxValue = slots.max() ?? 0
        var out = "     " + pad(unit, 13) + " : count     distribution\n"
        for i in first...last where slots[i] > 0 {
            out += "        " + pad(String(base + Int64(i) * step), 10) + " : " + pad(String(slots[i]), 8) + " |"
            out += bar(slots[i], max: maxValue, width: 40) + "|\n"
        }
        return out
    }

    /// `print_stars`: `value * width / max` stars, padded with spaces to `width`.
    static func bar(_ value: UInt64, max maxValue: UInt64, width: Int) -> String {
        let n = maxValue == 0 ? 0 : Int(min(value, maxValue) * UInt64(width) / maxValue)
        return String(repeating: "*", count: n) + String(repeating: " ", count: width - n) + (value > maxValue ? "+" : "")
    }

    public static func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
    public static func padLeft(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
}
