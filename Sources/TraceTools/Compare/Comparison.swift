import TraceStatistics

/// Compares two recordings' samples key by key: the tests, Holm-Bonferroni over all of them,
/// and the verdicts. Pure: the same samples and settings give the same result (seeded).
///
/// - Distributions (per-event values): Mann-Whitney U on the raw values; p50, p90 and p99
///   changes with bootstrap intervals. Regressed / improved when the test is significant after
///   Holm and some quantile's change is called: at least --min-change, its interval on the
///   same side of zero. A key with fewer than --min-samples events on either side is
///   inconclusive.
/// - Rates: Welch's t on the rates of the --intervals equal parts of each window (the noise is
///   the variation between intervals); called the same way; more events per second is
///   reported as regressed. Inconclusive when both sides together have fewer than
///   --min-samples events.
/// - With several recordings (runs) per side the tests are between runs instead
///   (ComparisonBetweenRuns.swift).
public enum Comparison {
    public static func compare(base: NamedSamples, new: NamedSamples, settings: CompareSettings) -> [KeyComparison] {
        var keys = tests(base: base, new: new, settings: settings)
        decide(&keys, settings)
        return keys
    }

    /// Every key's tests, before Holm and the verdicts (`decide`): a suite of tools tests each
    /// and decides them all together. `prefix` goes before each key's name (`runqlat:`).
    public static func tests(base: NamedSamples, new: NamedSamples, settings: CompareSettings, prefix: String = "") -> [KeyComparison] {
        let names = Set(base.series.keys).union(new.series.keys).sorted(by: keyOrder)
        let distributions = settings.testDistributions && base.hasValues && new.hasValues
        return names.map { name in
            let b = base.series[name], n = new.series[name]
            var key = KeyComparison(name: prefix + name, detail: n?.detail ?? b?.detail,
                                    base: side(b, seconds: base.seconds, values: base.hasValues),
                                    new: side(n, seconds: new.seconds, values: new.hasValues))
            key.unit = (n ?? b)?.unit ?? .ns
            let counted = (n ?? b)?.counted ?? false
            if distributions && !counted { key.distribution = distributionTest(b, n, name: name, settings) }
            if settings.testRates || counted { key.rate = rateTest(b, n, base: base, new: new, settings) }
            return key
        }
    }

    /// Holm over every test of `keys` (distributions and rates of every key), then each
    /// test's verdict.
    public static func decide(_ keys: inout [KeyComparison], _ settings: CompareSettings) {
        enum Test { case distribution, quantile(Int), rate }
        var tested: [(key: Int, test: Test, p: Double)] = []
        for (i, k) in keys.enumerated() {
            if let p = k.distribution?.mannWhitney?.p { tested.append((i, .distribution, p)) }
            for (j, c) in (k.distribution?.changes ?? []).enumerated() {
                if let p = c.p { tested.append((i, .quantile(j), p)) }
            }
            if let p = k.rate?.welch?.p { tested.append((i, .rate, p)) }
        }
        let adjusted = HolmBonferroni.adjust(tested.map(\.p))
        for (t, p) in zip(tested, adjusted) {
            switch t.test {
            case .distribution: keys[t.key].distribution!.adjustedP = p
            case .quantile(let j): keys[t.key].distribution!.changes[j].adjustedP = p
            case .rate: keys[t.key].rate!.adjustedP = p
            }
        }
        for i in keys.indices {
            if keys[i].distribution != nil { decide(&keys[i].distribution!, settings) }
            if keys[i].rate != nil { decide(&keys[i].rate!, settings) }
        }
    }

    /// Numbers (pids, tids) in numeric order before names, names in byte order.
    static func keyOrder(_ a: String, _ b: String) -> Bool {
        switch (Int64(a), Int64(b)) {
        case let (x?, y?): return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: return a < b
        }
    }

    static func side(_ s: NamedSamples.Series?, seconds: Double, values: Bool) -> KeyComparison.Side {
        let count = s?.count ?? 0
        var side = KeyComparison.Side(count: count, rate: Double(count) / seconds)
        if values, let v = s?.values, !v.isEmpty {
            side.quantiles = CompareSettings.quantiles.map { $0.of(v) }
            side.max = v.last
        }
        return side
    }

    static func distributionTest(_ b: NamedSamples.Series?, _ n: NamedSamples.Series?, name: String, _ settings: CompareSettings) -> KeyComparison.DistributionTest {
        let nb = b?.values.count ?? 0, nn = n?.values.count ?? 0
        guard nb >= settings.minSamples, nn >= settings.minSamples, let b, let n else {
            return .init(verdict: .inconclusive("\(nb) base and \(nn) new samples; at least \(settings.minSamples) each are needed"))
        }
        var test = KeyComparison.DistributionTest(mannWhitney: MannWhitney(sortedX: b.values, sortedY: n.values), verdict: .unchanged)
        var rng = SeededRandom(seed: settings.seed, stream: name)
        for level in CompareSettings.quantiles {
            let estimate = QuantileBootstrap.estimate(level: level, sortedBase: b.values, sortedNew: n.values, replicates: settings.replicates,
                                                      confidence: 1 - settings.alpha, rng: &rng)
            test.changes.append(.init(estimate: estimate, called: called(estimate, settings)))
        }
        return test
    }

    /// +1 / -1 when a quantile's change is at least --min-change and its interval lies on that
    /// side of zero; a base quantile of 0 has no relative size, and any change from it counts.
    static func called(_ b: QuantileEstimate, _ settings: CompareSettings) -> Int {
        let sign = b.difference > 0 ? 1 : b.difference < 0 ? -1 : 0
        guard sign != 0 else { return 0 }
        if let rel = b.relative, abs(rel) < settings.minChange { return 0 }
        let low = b.relativeLow ?? b.differenceLow, high = b.relativeHigh ?? b.differenceHigh
        return (sign > 0 && low > 0) || (sign < 0 && high < 0) ? sign : 0
    }

    static func rateTest(_ b: NamedSamples.Series?, _ n: NamedSamples.Series?, base: NamedSamples, new: NamedSamples, _ settings: CompareSettings) -> KeyComparison.RateTest {
        let cb = b?.count ?? 0, cn = n?.count ?? 0
        guard cb + cn >= UInt64(settings.minSamples) else {
            return .init(verdict: .inconclusive("\(cb) base and \(cn) new events; at least \(settings.minSamples) together are needed"))
        }
        func rates(_ s: NamedSamples.Series?, _ of: NamedSamples) -> [Double] {
            (s?.bins ?? [UInt64](repeating: 0, count: of.binCount)).map { Double($0) / of.binSeconds }
        }
        let welch = WelchTest(first: rates(b, base), second: rates(n, new), confidence: 1 - settings.alpha)
        return rateTest(welch, baseRate: Double(cb) / base.seconds)
    }

    /// A rate test from Welch's test of the two sides' rates, its change made relative to the
    /// base rate.
    static func rateTest(_ welch: WelchTest, baseRate: Double) -> KeyComparison.RateTest {
        var test = KeyComparison.RateTest(welch: welch, verdict: .unchanged)
        if baseRate > 0 {
            test.relative = welch.difference / baseRate
            test.relativeLow = welch.low / baseRate
            test.relativeHigh = welch.high / baseRate
        } else {
            test.relative = welch.difference > 0 ? .infinity : 0
        }
        return test
    }

    /// One recording per side: Mann-Whitney's adjusted p makes the key significant, and a
    /// called quantile names the change. Between runs each quantile is its own test: a change is
    /// called only when that test is significant after Holm.
    static func decide(_ t: inout KeyComparison.DistributionTest, _ settings: CompareSettings) {
        let betweenRuns = t.mannWhitney == nil
        if betweenRuns {
            for j in t.changes.indices where (t.changes[j].adjustedP ?? 1) >= settings.alpha { t.changes[j].called = 0 }
        }
        guard let p = betweenRuns ? t.changes.compactMap(\.adjustedP).min() : t.adjustedP else { return }
        let significant = p < settings.alpha
        let up = t.changes.filter { $0.called > 0 }, down = t.changes.filter { $0.called < 0 }
        func size(_ c: KeyComparison.QuantileChange) -> Double { c.estimate.relative ?? .infinity }
        if significant, let worst = up.max(by: { size($0) < size($1) }) {
            t.verdict = .regressed
            t.deciding = worst
        } else if significant, let best = down.min(by: { size($0) < size($1) }) {
            t.verdict = .improved
            t.deciding = best
        } else {
            t.verdict = .unchanged
            t.deciding = t.change(.p50)
        }
        if betweenRuns { t.adjustedP = t.deciding?.adjustedP }
    }

    static func decide(_ t: inout KeyComparison.RateTest, _ settings: CompareSettings) {
        guard let p = t.adjustedP, let w = t.welch, let rel = t.relative else { return }
        let sign = w.difference > 0 ? 1 : w.difference < 0 ? -1 : 0
        let excludesZero = (sign > 0 && w.low > 0) || (sign < 0 && w.high < 0)
        t.called = p < settings.alpha && abs(rel) >= settings.minChange && excludesZero ? sign : 0
        t.verdict = t.called > 0 ? .regressed : t.called < 0 ? .improved : .unchanged
    }
}
