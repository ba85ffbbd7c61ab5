/// Welch's t-test of two means with unequal variances, and the confidence interval of their
/// difference (second minus first), as scipy.stats.ttest_ind(second, first, equal_var=False)
/// gives them. compare tests rates with it: the samples are the rates of equal intervals of
/// each recording, so the noise is the variation between intervals within each.
public struct WelchTest: Sendable, Equatable {
    public let difference: Double
    public let low: Double
    public let high: Double
    public let p: Double
    public let degreesOfFreedom: Double

    /// At least two values on each side; `confidence` in (0, 1). `pooledVariance`: Student's t
    /// instead, one variance pooled from both sides and n1 + n2 - 2 degrees of freedom
    /// (scipy's equal_var=True): exact under the null of two draws of one distribution, and
    /// with few values per side far stronger than Welch's, whose degrees of freedom fall
    /// towards n - 1 when one side happens to vary little.
    public init(first a: [Double], second b: [Double], confidence: Double, pooledVariance: Bool = false) {
        precondition(a.count >= 2 && b.count >= 2, "Welch's test needs two values on each side")
        func moments(_ v: [Double]) -> (mean: Double, variance: Double) {
            let m = v.reduce(0, +) / Double(v.count)
            return (m, v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1))
        }
        let (m1, own1) = moments(a), (m2, own2) = moments(b)
        let pooled = (own1 * Double(a.count - 1) + own2 * Double(b.count - 1)) / Double(a.count + b.count - 2)
        let v1 = pooledVariance ? pooled : own1, v2 = pooledVariance ? pooled : own2
        let s1 = v1 / Double(a.count), s2 = v2 / Double(b.count)
        difference = m2 - m1
        let se2 = s1 + s2
        guard se2 > 0 else {
            // No variation on either side: the difference is exact.
            low = m2 - m1
            high = m2 - m1
            degreesOfFreedom = .infinity
            p = m2 == m1 ? 1 : 0
            return
        }
        let df = pooledVariance ? Double(a.count + b.count - 2) : se2 * se2 / (s1 * s1 / Double(a.count - 1) + s2 * s2 / Double(b.count - 1))
        degreesOfFreedom = df
        let se = se2.squareRoot()
        let t = difference / se
        p = min(1, 2 * SpecialFunctions.studentCDF(-abs(t), df: df))
        let q = SpecialFunctions.studentQuantile(1 - (1 - confidence) / 2, df: df)
        low = difference - q * se
        high = difference + q * se
    }
}
