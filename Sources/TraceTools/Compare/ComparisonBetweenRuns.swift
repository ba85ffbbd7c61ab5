import TraceStatistics

/// Several recordings (runs) of each side: the tests are between runs, so the run-to-run
/// variation is in the noise. On one recording per side a latency test takes every event as
/// independent, and the shift the load of the moment gives a whole run is "significant": 93% of
/// A/A pairs alarmed on a loaded 2-vCPU VM (Tests/Validation/README.md).
///
/// - Distributions: each run's p50, p90 and p99 of the key, then per quantile Student's t on
///   the runs' quantiles (RunQuantileTest, which says why the variance is pooled); each quantile is its own test in the Holm family, and a
///   change is called when it is significant, at least --min-change and its interval on that
///   side of zero. Every run of both sides needs --min-samples values of the key, else it is
///   inconclusive.
/// - Rates: each run's events per second, Student's t on them (a run's own Poisson and
///   interval noise is part of the variation between runs).
extension Comparison {
    /// Every key's tests between runs (at least two per side), before Holm and the verdicts.
    public static func tests(baseRuns: [NamedSamples], newRuns: [NamedSamples], settings: CompareSettings, prefix: String = "") -> [KeyComparison] {
        precondition(baseRuns.count >= 2 && newRuns.count >= 2, "tests between runs need two runs per side")
        var names = Set<String>()
        for run in baseRuns + newRuns { names.formUnion(run.series.keys) }
        let distributions = settings.testDistributions && (baseRuns + newRuns).allSatisfy(\.hasValues)
        return names.sorted(by: keyOrder).map { name in
            let b = baseRuns.map { $0.series[name] }, n = newRuns.map { $0.series[name] }
            let known = (n + b).compactMap { $0 }
            var key = KeyComparison(name: prefix + name, detail: known.lazy.compactMap(\.detail).first,
                                    base: side(b, runs: baseRuns), new: side(n, runs: newRuns))
            key.betweenRuns = true
            key.unit = known.first?.unit ?? .ns
            let counted = known.first?.counted ?? false
            if distributions && !counted { key.distribution = distributionTest(baseRuns: b, newRuns: n, settings) }
            if settings.testRates || counted { key.rate = rateTest(baseRuns: b, newRuns: n, base: baseRuns, new: newRuns, settings) }
            return key
        }
    }

    static func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }

    /// Each run's events per second of its window.
    static func rates(_ series: [NamedSamples.Series?], _ runs: [NamedSamples]) -> [Double] {
        zip(series, runs).map { Double($0?.count ?? 0) / $1.seconds }
    }

    /// A side over its runs: the total count, the mean rate, the mean of the quantiles of the
    /// runs that have values, the largest max.
    static func side(_ series: [NamedSamples.Series?], runs: [NamedSamples]) -> KeyComparison.Side {
        var side = KeyComparison.Side(count: series.reduce(0) { $0 + ($1?.count ?? 0) }, rate: mean(rates(series, runs)))
        let valued = series.compactMap { $0 }.filter { !$0.values.isEmpty }
        if runs.allSatisfy(\.hasValues), !valued.isEmpty {
            side.quantiles = CompareSettings.quantiles.map { q in Int64(mean(valued.map { Double(q.of($0.values)) }).rounded()) }
            side.max = valued.compactMap(\.values.last).max()
        }
        return side
    }

    static func distributionTest(baseRuns b: [NamedSamples.Series?], newRuns n: [NamedSamples.Series?], _ settings: CompareSettings) -> KeyComparison.DistributionTest {
        func short(_ s: [NamedSamples.Series?]) -> Int { s.filter { ($0?.values.count ?? 0) < settings.minSamples }.count }
        let sb = short(b), sn = short(n)
        guard sb == 0 && sn == 0 else {
            return .init(verdict: .inconclusive("\(sb) of \(b.count) base and \(sn) of \(n.count) new runs have fewer than \(settings.minSamples) samples; every run needs at least \(settings.minSamples)"))
        }
        let bv = b.map { $0!.values }, nv = n.map { $0!.values }
        var test = KeyComparison.DistributionTest(verdict: .unchanged)
        for level in CompareSettings.quantiles {
            let t = RunQuantileTest(level: level, baseRuns: bv, newRuns: nv, confidence: 1 - settings.alpha)
            test.changes.append(.init(estimate: t.estimate, called: called(t.estimate, settings), p: t.welch.p))
        }
        return test
    }

    static func rateTest(baseRuns b: [NamedSamples.Series?], newRuns n: [NamedSamples.Series?], base: [NamedSamples], new: [NamedSamples], _ settings: CompareSettings) -> KeyComparison.RateTest {
        let cb = b.reduce(0) { $0 + ($1?.count ?? 0) }, cn = n.reduce(0) { $0 + ($1?.count ?? 0) }
        guard cb + cn >= UInt64(settings.minSamples) else {
            return .init(verdict: .inconclusive("\(cb) base and \(cn) new events; at least \(settings.minSamples) together are needed"))
        }
        let rb = rates(b, base)
        return rateTest(WelchTest(first: rb, second: rates(n, new), confidence: 1 - settings.alpha, pooledVariance: true), baseRate: mean(rb))
    }
}
