/// The bootstrap of a quantile's change between two samples: percentile confidence intervals
/// of new - base and new / base - 1.
///
/// Each replicate is drawn exactly as resampling n values with replacement would give it, but
/// in O(1): resampled values are x_(ceil(n U_i)) for uniform U_i, a non-decreasing map, so the
/// k-th smallest of the resample is x_(ceil(n U_(k))), and the k-th smallest of n uniforms is
/// Beta(k, n + 1 - k). A replicate costs two beta draws whatever n is, so millions of events
/// bootstrap as fast as a hundred.
public enum QuantileBootstrap {
    /// `base` and `new` sorted ascending and not empty; `replicates` draws from `rng`. The
    /// point estimates are each sample's quantile.
    public static func estimate(level: QuantileLevel, sortedBase b: [Int64], sortedNew n: [Int64], replicates: Int, confidence: Double,
                                rng: inout SeededRandom) -> QuantileEstimate {
        precondition(replicates >= 10, "too few bootstrap replicates")
        var diffs = [Double](), ratios = [Double]()
        diffs.reserveCapacity(replicates)
        ratios.reserveCapacity(replicates)
        var ratiosDefined = true
        for _ in 0..<replicates {
            let x = Double(draw(level, b, &rng)), y = Double(draw(level, n, &rng))
            diffs.append(y - x)
            if x == 0 { ratiosDefined = false } else { ratios.append(y / x - 1) }
        }
        let lowP = (1 - confidence) / 2, highP = 1 - lowP
        diffs.sort()
        // A replicate's base quantile of 0 leaves new / base - 1 undefined: no relative interval.
        var relative: (low: Double, high: Double)?
        if ratiosDefined {
            ratios.sort()
            relative = (percentile(ratios, lowP), percentile(ratios, highP))
        }
        return QuantileEstimate(level: level, base: level.of(b), new: level.of(n),
                                differenceLow: percentile(diffs, lowP), differenceHigh: percentile(diffs, highP),
                                relativeLow: relative?.low, relativeHigh: relative?.high)
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
