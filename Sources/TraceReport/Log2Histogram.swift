/// A power-of-two histogram as libbpf-tools keep it: slot `floor(log2(v))`, with 0 and 1 both in
/// slot 0, and everything past the last slot in the last one (the BPF side's `log2l` + clamp).
public struct Log2Histogram: Sendable, Equatable, Codable {
    public var slots: [UInt64]

    public init(slotCount: Int) { slots = Array(repeating: 0, count: slotCount) }

    public static func slot(of value: UInt64) -> Int {
        value == 0 ? 0 : 63 - value.leadingZeroBitCount
    }

    public mutating func add(_ value: UInt64, count: UInt64 = 1) {
        slots[min(Self.slot(of: value), slots.count - 1)] += count
    }

    /// Adds another histogram's counts (same slot count).
    public mutating func merge(_ other: Log2Histogram) {
        for i in 0..<min(slots.count, other.slots.count) { slots[i] += other.slots[i] }
    }

    public var total: UInt64 { slots.reduce(0, +) }
    public var isEmpty: Bool { slots.allSatisfy { $0 == 0 } }

    /// Inclusive value range of a slot as the printer labels it (`0 -> 1`, `2 -> 3`, ...).
    public static func range(ofSlot i: Int) -> (low: UInt64, high: UInt64) {
        let low: UInt64 = i >= 63 ? 1 << 63 : (UInt64(1) << UInt64(i + 1)) >> 1
        let high: UInt64 = i >= 63 ? UInt64.max : (UInt64(1) << UInt64(i + 1)) - 1
        return low == high ? (low - 1, high) : (low, high)
    }
}

/// A linear histogram as libbpf-tools keep it: slot `(v - base) / step`, clamped to the last slot.
public struct LinearHistogram: Sendable, Equatable, Codable {
    public var base: Int64
    public var step: Int64
    public var slots: [UInt64]

    public init(base: Int64, step: Int64, slotCount: Int) {
        self.base = base
        self.step = step
        slots = Array(repeating: 0, count: slotCount)
    }

    public mutating func add(_ value: Int64, count: UInt64 = 1) {
        let i = value < base ? 0 : Int(min(Int64(slots.count - 1), (value - base) / step))
        slots[i] += count
    }
}
