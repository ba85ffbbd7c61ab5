/// A quantile as the fraction `numerator / denominator` (p99 is 99/100), so the order statistic
/// it picks is computed in integers: no rounding of 0.99 * n decides which sample is p99.
public struct QuantileLevel: Sendable, Hashable, CustomStringConvertible {
    public let numerator: Int
    public let denominator: Int
    /// What a report calls it: `p50`, `p99`, `p99.9`, `max`.
    public let name: String

    public init(_ numerator: Int, of denominator: Int, name: String) {
        precondition(numerator > 0 && numerator <= denominator, "quantile \(numerator)/\(denominator) outside (0, 1]")
        self.numerator = numerator
        self.denominator = denominator
        self.name = name
    }

    public static let p50 = QuantileLevel(50, of: 100, name: "p50")
    public static let p90 = QuantileLevel(90, of: 100, name: "p90")
    public static let p99 = QuantileLevel(99, of: 100, name: "p99")
    public static let max = QuantileLevel(1, of: 1, name: "max")

    public var description: String { name }

    /// The 1-based rank of this quantile in `n` sorted samples: ceil(q n), at least 1. This is
    /// the inverse of the empirical distribution function (numpy's `method='inverted_cdf'`):
    /// always one of the samples, never an interpolation between two.
    public func rank(in n: Int) -> Int {
        precondition(n > 0, "quantile of no samples")
        return Swift.max(1, (numerator * n + denominator - 1) / denominator)
    }

    /// This quantile of `sorted` (ascending).
    public func of(_ sorted: [Int64]) -> Int64 { sorted[rank(in: sorted.count) - 1] }
}
