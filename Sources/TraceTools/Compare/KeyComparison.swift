import TraceStatistics

/// One key's comparison: what each recording gives it, and what changed.
public struct KeyComparison: Sendable {
    /// One recording's figures for the key.
    public struct Side: Sendable {
        /// Over several runs: the total.
        public var count: UInt64
        /// Events per second of the analysed window (over several runs: the mean of theirs).
        public var rate: Double
        /// p50, p90, p99 (`CompareSettings.quantiles`) and the max, in ns; nil when the tool's
        /// events carry no values or the key has none here. Over several runs: the mean of the
        /// runs' quantiles (those the key has values in), and the largest max.
        public var quantiles: [Int64]?
        public var max: Int64?
    }

    /// A quantile's change: bootstrapped from one recording per side, or tested between runs.
    public struct QuantileChange: Sendable {
        public var estimate: QuantileEstimate
        /// +1 / -1 when the change is called up / down: its relative size is at least
        /// --min-change and its interval excludes no change on that side (between runs: and its
        /// own test is significant after Holm); 0 otherwise.
        public var called: Int
        /// Between runs, the quantile's own test (Welch's t on the runs' quantiles): its p, and
        /// after Holm. Nil for one recording per side, where Mann-Whitney tests the key.
        public var p: Double? = nil
        public var adjustedP: Double? = nil
        public var level: QuantileLevel { estimate.level }
    }

    /// The test of the distributions: with one recording per side, Mann-Whitney U on the raw
    /// values and the quantiles' bootstrapped changes; with several, a test per quantile
    /// between runs (`QuantileChange.p`).
    public struct DistributionTest: Sendable {
        public var mannWhitney: MannWhitney?
        public var changes: [QuantileChange] = []
        /// After Holm over every test of the comparison: Mann-Whitney's p; between runs, the
        /// deciding quantile's.
        public var adjustedP: Double?
        /// The raw p behind `adjustedP`.
        public var p: Double? { mannWhitney?.p ?? deciding?.p }
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
    /// Whether the tests are between runs (several recordings per side).
    public var betweenRuns = false
}
