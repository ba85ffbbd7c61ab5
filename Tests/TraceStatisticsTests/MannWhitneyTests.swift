import Testing
@testable import TraceStatistics

// Expected values from scipy 1.17.1:
//   scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
// whose `statistic` is U of x.

@Test func mannWhitneyMatchesScipyOnASmallSampleWithTiesAcross() {
    // scipy's inputs were x = [1.1, 2.3, 2.3, 4.0, 5.5, 6.1, 7.7, 8.0], y = [2.3, 3.3, 4.0, 9.1,
    // 9.9, 10.5, 12.0]; ranks do not change when every value is multiplied by 10.
    let x: [Int64] = [11, 23, 23, 40, 55, 61, 77, 80], y: [Int64] = [23, 33, 40, 91, 99, 105, 120]
    let t = MannWhitney(sortedX: x, sortedY: y)
    #expect(t.u == 15.5)
    #expect(abs(t.p - 0.1630243843065704) < 1e-12)
}

@Test func mannWhitneyMatchesScipyOnManyTies() {
    let t = MannWhitney(sortedX: [0, 0, 0, 1, 1, 2], sortedY: [0, 1, 1, 1, 2, 2, 2])
    #expect(t.u == 12)
    #expect(abs(t.p - 0.19807308765874454) < 1e-12)
}

@Test func mannWhitneyMatchesScipyOnAShiftedSample() {
    // x = [(i*37) % 101 for i in range(60)], y = [(i*53) % 107 + 10 for i in range(50)]
    let x = (0..<60).map { Int64(($0 * 37) % 101) }.sorted(), y = (0..<50).map { Int64(($0 * 53) % 107 + 10) }.sorted()
    let t = MannWhitney(sortedX: x, sortedY: y)
    #expect(t.u == 798)
    #expect(abs(t.p - 2.53888508624436e-05) / 2.53888508624436e-05 < 1e-9)
    // The same test the other way round: U becomes n1 n2 - U, p stays.
    let back = MannWhitney(sortedX: y, sortedY: x)
    #expect(back.u == 60 * 50 - 798)
    #expect(abs(back.p - t.p) < 1e-15)
}

@Test func mannWhitneyOfIdenticalConstantSamplesIsOne() {
    #expect(MannWhitney(sortedX: [5, 5, 5], sortedY: [5, 5]).p == 1)
}
