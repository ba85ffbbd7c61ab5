/// The Mann–Whitney U test of two samples, two-sided: do values of one tend to be larger than
/// values of the other? Computed as scipy.stats.mannwhitneyu(x, y, method="asymptotic",
/// use_continuity=True) does: mid-ranks for ties, the normal approximation with the tie
/// correction of its variance and a continuity correction of 0.5.
public struct MannWhitney: Sendable, Equatable {
    /// U of the first sample: how many (x, y) pairs have x > y, ties counting one half.
    public let u: Double
    /// The two-sided p-value.
    public let p: Double
    /// The common-language effect size U / (n1 n2): P(x > y) + P(x = y) / 2 (0.5: no shift).
    public let probabilityOfSuperiority: Double

    /// Both samples sorted ascending and not empty. O(n1 + n2).
    public init(sortedX x: [Int64], sortedY y: [Int64]) {
        precondition(!x.isEmpty && !y.isEmpty, "Mann-Whitney of an empty sample")
        let n1 = Double(x.count), n2 = Double(y.count), n = n1 + n2
        // Merge the two, giving each run of equal values its mid-rank; sum the ranks of x and
        // the tie term sum(t^3 - t).
        var i = 0, j = 0
        var rank = 0.0   // ranks used so far
        var rankSumX = 0.0, ties = 0.0
        while i < x.count || j < y.count {
            let v = j == y.count || (i < x.count && x[i] <= y[j]) ? x[i] : y[j]
            var inX = 0, inY = 0
            while i < x.count && x[i] == v { i += 1; inX += 1 }
            while j < y.count && y[j] == v { j += 1; inY += 1 }
            let t = Double(inX + inY)
            let mid = rank + (t + 1) / 2
            rankSumX += mid * Double(inX)
            rank += t
            if t > 1 { ties += t * t * t - t }
        }
        let u1 = rankSumX - n1 * (n1 + 1) / 2
        u = u1
        probabilityOfSuperiority = u1 / (n1 * n2)
        let mean = n1 * n2 / 2
        let variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
        guard variance > 0 else { p = 1; return }
        let big = max(u1, n1 * n2 - u1)
        let z = (big - mean - 0.5) / variance.squareRoot()
        p = min(1, 2 * SpecialFunctions.normalSurvival(z))
    }
}
