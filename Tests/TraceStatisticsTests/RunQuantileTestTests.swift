import Testing
@testable import TraceStatistics

// Expected values from scipy 1.17.1 on the runs' p50s (20, 22, 19 and 25, 26, 24):
//   r = scipy.stats.ttest_ind([25, 26, 24], [20, 22, 19], equal_var=True); r.confidence_interval(0.95)

@Test func runQuantileTestIsStudentsTOnEachRunsQuantile() {
    let base: [[Int64]] = [[10, 20, 30, 40], [12, 22, 32, 42], [9, 19, 29, 39]]
    let new: [[Int64]] = [[15, 25, 35, 45], [16, 26, 36, 46], [14, 24, 34, 44]]
    let t = RunQuantileTest(level: .p50, baseRuns: base, newRuns: new, confidence: 0.95)
    #expect(abs(t.welch.p - 0.011446913230354345) < 1e-10)
    #expect(abs(t.estimate.differenceLow - 1.740036556383059) < 1e-8)
    #expect(abs(t.estimate.differenceHigh - 7.593296776950277) < 1e-8)
    // The point estimates are the means of the runs' quantiles (20.33 and 25), rounded.
    #expect(t.estimate.base == 20 && t.estimate.new == 25)
    // The relative interval is the difference's over the base mean.
    #expect(abs(t.estimate.relativeLow! - 0.08557556834670783) < 1e-9)
    #expect(abs(t.estimate.relativeHigh! - 0.3734408250959153) < 1e-9)
    // p99 of four values is the max: 40, 42, 39 against 45, 46, 44.
    let top = RunQuantileTest(level: .p99, baseRuns: base, newRuns: new, confidence: 0.95)
    #expect(top.estimate.base == 40 && top.estimate.new == 45)
}

@Test func runQuantileTestOfABaseAtZeroHasNoRelativeInterval() {
    let t = RunQuantileTest(level: .p50, baseRuns: [[0, 0, 1], [0, 0, 2]], newRuns: [[1, 1, 1], [1, 1, 2]], confidence: 0.95)
    #expect(t.estimate.relativeLow == nil && t.estimate.relative == nil)
    #expect(t.estimate.difference == 1)
}
