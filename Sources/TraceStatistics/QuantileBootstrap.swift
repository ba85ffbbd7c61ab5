/// The bootstrap of a quantile's change between two samples: percentile confidence intervals
/// of new - base and new / base - 1.
///
/// Each replicate is drawn exactly as resampling n values with replacement would give it, but
/// in O(1): resampled values are x_(ceil(n U_i)) for uniform U_i, a non-decreasing map, so the
/// k-th smallest of the resample is x_(ceil(n U_(k))), and the k-th smallest of n uniforms is
/// Beta(k, n + 1 - k). A replicate costs two beta draws whatever n is, so millions of events
/// bootstrap as fast as a hundred.
public struct QuantileBootstrap: Sendable, Equatable {
    public let level: QuantileLevel
    /// Point estimates: the quantile of each sample, their difference and relative change.
    public let base: Int64
    public let new: Int64
    public var difference: Int64 { new - base }
    /// nil when the base quantile is 0 (no relative change of nothing).
    public var relative: Double? { base == 0 ? nil : Double(new - base) / Double(base) }
    /// Percentile interval of new - base (ns).
    public let differenceLow: Double
    public let differenceHigh: Double
    /// Percentile interval of new / base - 1; nil when a replicate's base quantile was 0.
    public let relativeLow: Double?
    public let relativeHigh: Double?

    /// `base` and `new` sorted ascending and not empty; `replicates` draws from `rng`.
    public init(level: QuantileLevel, sortedBase b: [Int64], sortedNew n: [Int64], replicates: Int, confidence: Double,
                rng: inout SeededRandom) {
        precondition(replicates >= 10, "too few bootstrap replicates")
        self.level = level
        base = level.of(b)
        new = level.of(n)
        var diffs = [Double](), ratios = [Double]()
        diffs.reserveCapacity(replicates)
        ratios.reserveCapacity(replicates)
        var ratiosDefined = true
        for _ in 0..<replicates {
            let x = Double(Self.draw(level, b, &rng)), y = Double(Self.draw(level, n, &rng))
            diffs.append(y - x)
            if x == 0 { ratiosDefined = false } else { ratios.append(y / x - 1) }
        }
        let lowP = (1 - confidence) / 2, highP = 1 - lowP
        diffs.sort()
        differenceLow = Self.percentile(diffs, lowP)
        differenceHigh = Self.percentile(diffs, highP)
        if ratiosDefined {
            ratios.sort()
            relativeLow = Self.percentile(ratios, lowP)
            relativeHigh = Self.percentile(ratios, highP)
        } else {
            relativeLow = nil
            relativeHigh = nil
        }
    }

    /// The quantile of one bootstrap resample of `sorted`.
    public static func draw(_ level: QuantileLevel, _ sorted: [Int64], _ rng: inout SeededRandom) -> Int64 {
        let count = sorted.count
        let k = level.rank(in: count)
        let u = rng.beta(Double(k), Double(count + 1 - k))
        let index = min(count, max(1, Int((Double(count) * u).rounded(.up))))
        return sorted[index - 1]
    }

    /// The p-th percentile of sorted replicates (the order statistic at ceil(p B)).
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        let i = min(sorted.count, max(1, Int((p * Double(sorted.count)).rounded(.up))))
        return sorted[i - 1]
    }
}
