import Foundation
import Testing
@testable import TraceStatistics

@Test func quantilesAreTheInverseOfTheEmpiricalDistribution() {
    // numpy 2.4: np.quantile(v, q, method="inverted_cdf") for v = [(i*7919) % 1000 for i in
    // range(1, 238)] gives 501, 900, 984, 990 for q = 0.5, 0.9, 0.99, 1.
    let v = (1..<238).map { Int64(($0 * 7919) % 1000) }.sorted()
    #expect(QuantileLevel.p50.of(v) == 501)
    #expect(QuantileLevel.p90.of(v) == 900)
    #expect(QuantileLevel.p99.of(v) == 984)
    #expect(QuantileLevel.max.of(v) == 990)
    // Exact ranks where floating point would round 0.99 * 100 up to 100.
    #expect(QuantileLevel.p99.rank(in: 100) == 99)
    #expect(QuantileLevel.p50.rank(in: 1) == 1)
}

/// The O(1) replicate (one beta draw) must have the distribution of resampling with
/// replacement and sorting: compared index by index over 40000 draws of each.
@Test(arguments: [QuantileLevel.p50, .p90, .p99])
func bootstrapDrawHasTheDistributionOfResampling(_ level: QuantileLevel) {
    let n = 25
    let sorted = (0..<n).map { Int64($0) }
    var rng = SeededRandom(seed: 7)
    let draws = 40_000
    var fast = [Int](repeating: 0, count: n), naive = [Int](repeating: 0, count: n)
    for _ in 0..<draws { fast[Int(QuantileBootstrap.draw(level, sorted, &rng))] += 1 }
    for _ in 0..<draws {
        let resample = (0..<n).map { _ in sorted[Int(rng.next() % UInt64(n))] }.sorted()
        naive[Int(level.of(resample))] += 1
    }
    let distance = zip(fast, naive).reduce(0) { $0 + abs($1.0 - $1.1) } / 2
    // Total variation distance between the two empirical distributions (measured 0.002-0.007
    // here). A shape off by one moves the exact distribution by 0.076 at p50 (Beta(13, 14) for
    // Beta(13, 13)) and 0.21 at p90 (Beta(23, 4) for Beta(23, 3)), scipy.
    let tv = Double(distance) / Double(draws)
    print("bootstrap draw vs resampling, \(level): TV \(tv)")
    #expect(tv < 0.02, "TV distance \(tv) for \(level)")
}

@Test func bootstrapIntervalCoversAKnownShiftAndIsSeeded() {
    var data = SeededRandom(seed: 1)
    let base = (0..<2000).map { _ in Int64(exp(11 + 0.5 * data.normal())) }.sorted()   // ~60 us
    let new = base.map { $0 + 20_000 }
    var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42)
    let one = QuantileBootstrap.estimate(level: .p50, sortedBase: base, sortedNew: new, replicates: 2000, confidence: 0.95, rng: &a)
    let two = QuantileBootstrap.estimate(level: .p50, sortedBase: base, sortedNew: new, replicates: 2000, confidence: 0.95, rng: &b)
    #expect(one == two)
    #expect(one.difference == 20_000)
    #expect(one.differenceLow > 0 && one.differenceLow <= 20_000 && one.differenceHigh >= 20_000)
    #expect(one.relativeLow! > 0)
}
