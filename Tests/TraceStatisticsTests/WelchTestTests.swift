import Testing
@testable import TraceStatistics

// Expected values from scipy 1.17.1:
//   r = scipy.stats.ttest_ind(b, a, equal_var=False); r.confidence_interval(0.95)
//   scipy.stats.t.ppf / t.cdf, scipy.special.betainc

@Test func welchMatchesScipy() {
    let a = [10.0, 12.5, 9.5, 11.0, 10.5], b = [13.0, 12.0, 14.5, 13.5, 12.5, 15.0]
    let w = WelchTest(first: a, second: b, confidence: 0.95)
    #expect(abs(w.difference - (80.5 / 6 - 53.5 / 5)) < 1e-12)
    #expect(abs(w.p - 0.0039738239285535245) < 1e-10)
    #expect(abs(w.degreesOfFreedom - 8.663641658313125) < 1e-9)
    #expect(abs(w.low - 1.1259945825758877) < 1e-8)
    #expect(abs(w.high - 4.307338750757446) < 1e-8)
}

// scipy.stats.ttest_ind(b, a, equal_var=True) on the same values.
@Test func pooledVarianceIsStudentsTAsScipy() {
    let a = [10.0, 12.5, 9.5, 11.0, 10.5], b = [13.0, 12.0, 14.5, 13.5, 12.5, 15.0]
    let t = WelchTest(first: a, second: b, confidence: 0.95, pooledVariance: true)
    #expect(abs(t.p - 0.003708649143339027) < 1e-10)
    #expect(t.degreesOfFreedom == 9)
    #expect(abs(t.low - 1.1344039236634067) < 1e-8)
    #expect(abs(t.high - 4.298929409669927) < 1e-8)
}

@Test func welchWithoutVariationIsExact() {
    let same = WelchTest(first: [3, 3, 3], second: [3, 3], confidence: 0.95)
    #expect(same.p == 1 && same.low == 0 && same.high == 0)
    let moved = WelchTest(first: [3, 3, 3], second: [4, 4], confidence: 0.95)
    #expect(moved.p == 0 && moved.difference == 1)
}

@Test func studentAndBetaFunctionsMatchScipy() {
    #expect(abs(SpecialFunctions.studentQuantile(0.975, df: 4.3) - 2.70169489828223) < 1e-9)
    #expect(abs(SpecialFunctions.studentQuantile(0.995, df: 30) - 2.7499956535672254) < 1e-9)
    #expect(abs(SpecialFunctions.studentCDF(-2.1, df: 7.5) - 0.035618535729039044) < 1e-12)
    #expect(abs(SpecialFunctions.regularizedBeta(0.3, 2.5, 0.5) - 0.018927124071945658) < 1e-13)
    #expect(abs(SpecialFunctions.regularizedBeta(0.8, 10, 3) - 0.5583457484800002) < 1e-13)
    #expect(abs(SpecialFunctions.normalSurvival(3.2) - 0.0006871379379158471) < 1e-16)
}
