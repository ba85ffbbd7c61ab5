import Foundation

/// A seeded generator (xoshiro256**, seeded through splitmix64): the same seed gives the same
/// draws on every machine, so bootstrap intervals and the tests built on them are reproducible.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    /// A seed for one named stream (a key of a comparison), independent of the order keys are
    /// visited in: FNV-1a of the name mixed into `seed`.
    public init(seed: UInt64, stream name: String) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        self.init(seed: seed ^ h)
    }

    public mutating func next() -> UInt64 {
        func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// Uniform in (0, 1): never 0, so logarithms of it are finite.
    public mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// Standard normal (Box–Muller; one of the pair is used, so a draw costs two uniforms).
    public mutating func normal() -> Double {
        let u = uniform(), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// Gamma(shape, 1) for shape >= 1 (Marsaglia and Tsang, 2000).
    public mutating func gamma(shape a: Double) -> Double {
        precondition(a >= 1, "gamma shape \(a) < 1")
        let d = a - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let x = normal()
            let v0 = 1 + c * x
            if v0 <= 0 { continue }
            let v = v0 * v0 * v0
            let u = uniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// Beta(a, b) for a, b >= 1, as X / (X + Y) of two gammas.
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a), y = gamma(shape: b)
        return x / (x + y)
    }
}
