import TraceStatistics

/// The knobs of a comparison, with their defaults (the `bpfan compare` options).
public struct CompareSettings: Sendable, Equatable {
    /// The family-wise error rate over all tests of the comparison (Holm-Bonferroni); the
    /// confidence intervals are at 1 - alpha.
    public var alpha = 0.05
    /// The smallest relative change called a difference, however significant (0.05: 5%).
    public var minChange = 0.05
    /// Fewer events than this on either side make a key's distribution inconclusive; fewer on
    /// both sides together make its rate inconclusive.
    public var minSamples = 20
    /// Equal parts each recording's window is cut in: the rates' noise is their variation.
    public var intervals = 10
    /// Bootstrap replicates per quantile.
    public var replicates = 2000
    /// The bootstrap's seed (each key draws from its own stream of it).
    public var seed: UInt64 = 1
    /// Whether rates are tested (and can decide verdicts).
    public var testRates = true
    /// Whether distributions are tested (where the tool's events carry values).
    public var testDistributions = true

    public init() {}

    /// The quantiles whose changes are estimated and can decide a verdict.
    public static let quantiles: [QuantileLevel] = [.p50, .p90, .p99]
}
