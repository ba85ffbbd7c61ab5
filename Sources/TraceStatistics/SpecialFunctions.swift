import Foundation

/// The distribution functions the tests need: the normal tail, Student's t (through the
/// regularized incomplete beta function) and its quantiles.
public enum SpecialFunctions {
    /// P(Z > z) for a standard normal Z.
    public static func normalSurvival(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

    /// The regularized incomplete beta function I_x(a, b), by its continued fraction (modified
    /// Lentz), on the side of x where it converges fast.
    public static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let lnPowers: Double = a * log(x) + b * log(1 - x)
        let lnFront = lnBeta + lnPowers
        if x < (a + 1) / (a + b + 2) { return exp(lnFront) * continuedFraction(x, a, b) / a }
        return 1 - exp(lnFront) * continuedFraction(1 - x, b, a) / b
    }

    static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300, eps = 1e-15
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            h *= step
            if abs(step - 1) < eps { break }
        }
        return h
    }

    /// P(T <= t) for Student's t with `df` degrees of freedom (df may be fractional: Welch).
    public static func studentCDF(_ t: Double, df: Double) -> Double {
        let tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The `p` quantile of Student's t with `df` degrees of freedom (bisection on the CDF).
    public static func studentQuantile(_ p: Double, df: Double) -> Double {
        precondition(p > 0 && p < 1, "t quantile of \(p)")
        var lo = -1.0, hi = 1.0
        while studentCDF(lo, df: df) > p { lo *= 2 }
        while studentCDF(hi, df: df) < p { hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if studentCDF(mid, df: df) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-12 * max(1, abs(mid)) { break }
        }
        return (lo + hi) / 2
    }
}
