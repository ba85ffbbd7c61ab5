/// A quantile's change tested between runs: each run (recording) of a side gives its own
/// quantile, and Welch's t compares the two sides' per-run quantiles. The noise is then the
/// variation between runs — the shift one run's load gives all its events, which a test on the
/// events of one run per side cannot see (it takes the events as independent, so two runs of
/// one command a few seconds apart differ "significantly"). Student's t, the variance pooled:
/// under the null both sides' runs are draws of one distribution, and with 3 runs a side its 4
/// degrees of freedom keep a Holm-corrected test able to call a change, where Welch's can fall
/// to 2.
///
/// The estimates are the means of the per-run quantiles; the relative interval is the
/// difference's interval over the base mean, as compare's rate test gives its relative change.
public struct RunQuantileTest: Sendable, Equatable {
    public let estimate: QuantileEstimate
    public let welch: WelchTest

    /// Each run's values sorted ascending, none empty; at least two runs per side.
    public init(level: QuantileLevel, baseRuns: [[Int64]], newRuns: [[Int64]], confidence: Double) {
        precondition(baseRuns.count >= 2 && newRuns.count >= 2, "a test between runs needs two runs on each side")
        let b = baseRuns.map { Double(level.of($0)) }, n = newRuns.map { Double(level.of($0)) }
        let w = WelchTest(first: b, second: n, confidence: confidence, pooledVariance: true)
        let baseMean = b.reduce(0, +) / Double(b.count), newMean = n.reduce(0, +) / Double(n.count)
        welch = w
        estimate = QuantileEstimate(level: level, base: Int64(baseMean.rounded()), new: Int64(newMean.rounded()),
                                    differenceLow: w.low, differenceHigh: w.high,
                                    relativeLow: baseMean > 0 ? w.low / baseMean : nil, relativeHigh: baseMean > 0 ? w.high / baseMean : nil)
    }
}
