/// A quantile's change between two sides with its interval, however it was estimated: by the
/// bootstrap of one recording per side (`QuantileBootstrap`), or between runs
/// (`RunQuantileTest`). What compare calls, reports and gates on.
public struct QuantileEstimate: Sendable, Equatable {
    public let level: QuantileLevel
    /// Point estimates of each side's quantile.
    public let base: Int64
    public let new: Int64
    public var difference: Int64 { new - base }
    /// nil when the base quantile is 0 (no relative change of nothing).
    public var relative: Double? { base == 0 ? nil : Double(new - base) / Double(base) }
    /// Interval of new - base.
    public let differenceLow: Double
    public let differenceHigh: Double
    /// Interval of new / base - 1; nil when it is undefined (a base of 0).
    public let relativeLow: Double?
    public let relativeHigh: Double?

    public init(level: QuantileLevel, base: Int64, new: Int64, differenceLow: Double, differenceHigh: Double, relativeLow: Double?, relativeHigh: Double?) {
        self.level = level
        self.base = base
        self.new = new
        self.differenceLow = differenceLow
        self.differenceHigh = differenceHigh
        self.relativeLow = relativeLow
        self.relativeHigh = relativeHigh
    }
}
