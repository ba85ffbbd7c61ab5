import TraceStatistics

/// One key's comparison: what each recording gives it, and what changed.
public struct KeyComparison: Sendable {
    /// One recording's figures for the key.
    public struct Side: Sendable {
        public var count: UInt64
        /// Events per second of the analysed window.
        public var rate: Double
        /// p50, p90, p99 (`CompareSettings.quantiles`) and the max, in ns; nil when the tool's
        /// events carry no values or the key has none here.
        public var quantiles: [Int64]?
        public var max: Int64?
    }

    /// A quantile's change, estimated by the bootstrap.
    public struct QuantileChange: Sendable {
        public var bootstrap: QuantileBootstrap
        /// +1 / -1 when the change is called up / down: its relative size is at least
        /// --min-change and its interval excludes no change on that side; 0 otherwise.
        public var called: Int
        public var level: QuantileLevel { bootstrap.level }
    }

    /// The test of the distributions: Mann-Whitney U on the raw values, the quantiles' changes.
    public struct DistributionTest: Sendable {
        public var mannWhitney: MannWhitney?
        public var changes: [QuantileChange] = []
        /// Mann-Whitney's p after Holm over every test of the comparison.
        public var adjustedP: Double?
        public var verdict: Verdict
        /// The change the verdict rests on: the called one that moved most, else p50's.
        public var deciding: QuantileChange?

        public func change(_ level: QuantileLevel) -> QuantileChange? { changes.first { $0.level == level } }
    }

    /// The test of the rates: Welch's t on the rates of each recording's intervals.
    public struct RateTest: Sendable {
        public var welch: WelchTest?
        /// (new - base) / base rate: +inf for a key the base never had.
        public var relative: Double?
        public var relativeLow: Double?
        public var relativeHigh: Double?
        public var adjustedP: Double?
        public var verdict: Verdict
        /// +1 / -1 when the change is called up / down, as for quantiles.
        public var called: Int = 0
    }

    public var name: String
    public var detail: String?
    /// What the values are (ns, bytes shown in KB, plain numbers).
    public var unit: SampleUnit = .ns
    public var base: Side
    public var new: Side
    public var distribution: DistributionTest?
    public var rate: RateTest?
}
