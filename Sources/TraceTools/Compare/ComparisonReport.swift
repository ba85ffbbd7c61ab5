import TraceAnalysis
import TraceReport
import TraceStatistics

/// What compare prints, declared through the output model: the two recordings, a latency table
/// (tools whose events carry values) and a rate table (when rates are tested), the thresholds,
/// a summary and the outcome. Text, markdown (a PR comment) and JSON Lines render the same rows.
struct ComparisonReport {
    /// The tool and its flags, or `suite: ...` for the default suite.
    var title: String
    /// What the values are; nil for the suite (one summary table over every tool).
    var measured: String?
    var keyHeading: String
    var settings: CompareSettings
    var keys: [KeyComparison]
    var checks: [ThresholdCheck]
    var problems: [String]
    var status: Int32
    var reason: String
    /// A stack profile's weight unit per second (`us/s`): its keys are stacks, reported by
    /// `emitStacks`. Nil for every other tool.
    var stackUnit: String? = nil
    /// How many stacks each list of a stack profile's report shows.
    var top = 10

    static let percent = TextForm.formatted("%+.1f%%", scale: 0.01)

    func emit(base: [Recording], new: [Recording], into out: inout ToolOutput) {
        let per = keyHeading == "all" ? "" : " per \(keyHeading)"
        let runs = base.count > 1 || new.count > 1
        let sides = runs ? "BASE (\(base.count) runs) vs NEW (\(new.count) runs), tested between runs" : "BASE vs NEW"
        out.note("bpfan compare \(title)" + (measured.map { ": \($0)\(per)" } ?? "") + ", \(sides)\n\n")
        recordings(base: base, new: new, into: &out)
        for p in problems {
            out.row(Self.problemLayout, [.string(p)])
        }
        if !runs && keys.contains(where: { $0.distribution?.mannWhitney != nil }) {
            out.row(Self.noteLayout, [.string(Self.singleRunNote)])
        }
        let withDetails = keys.contains { $0.detail != nil }
        if measured == nil {
            out.note("\n")
            let layout = suiteLayout
            out.header(layout)
            for k in keys {
                if let d = k.distribution { out.row(layout, suiteRow(k, distribution: d)) }
                if let r = k.rate { out.row(layout, suiteRow(k, rate: r)) }
            }
        } else {
            // Durations in one table, byte counts (tcplife's tx/rx) in another, in KB.
            for unit in [SampleUnit.ns, .bytes, .number] where keys.contains(where: { $0.distribution != nil && $0.unit == unit }) {
                out.note(unit == .bytes ? "\nbytes per session, in KB (KEY tx: sent and acked, KEY rx: received):\n" : unit == .number ? "\nvalues as given to hist() / lhist() / stats() / avg():\n" : "\n")
                let layout = latencyLayout(details: withDetails, unit: unit)
                out.header(layout)
                for k in keys where k.unit == unit && (unit == .ns || k.distribution != nil) { out.row(layout, latencyRow(k)) }
            }
        }
        if let unit = stackUnit {
            emitStacks(unit: unit, into: &out)
        } else if measured != nil, keys.contains(where: { $0.rate != nil }) {
            out.note("\n")
            let layout = rateLayout(details: withDetails)
            out.header(layout)
            for k in keys where k.rate != nil { out.row(layout, rateRow(k)) }
        }
        if keys.isEmpty { out.note("\nno events of \(title) in either recording\n") }
        out.note("\n")
        out.header(Self.thresholdLayout)
        for c in checks { out.row(Self.thresholdLayout, [.string(c.condition), .string(c.result.rawValue), .string(c.detail.isEmpty ? "-" : c.detail)]) }
        out.note("\n")
        out.row(Self.summaryLayout(runs: runs), summary(runs: (base.count, new.count)))
        out.row(Self.resultLayout, [Value(Int(status)), .string(reason)])
        testCases(into: &out)
        out.end(name: "bpfan compare")
    }

    /// The JUnit report: a test case per test of each key (failed when regressed, skipped when
    /// inconclusive) and per threshold (failed when crossed).
    func testCases(into out: inout ToolOutput) {
        func interval(_ low: Double?, _ high: Double?) -> String {
            guard let low, let high else { return "" }
            return " [" + ThresholdCheck.percent(low) + ", " + ThresholdCheck.percent(high) + "]"
        }
        func p(_ v: Double?) -> String { v.map { printf(", p %.2g (Holm)", .double($0)) } ?? "" }
        for k in keys {
            let name = k.name + (k.detail.map { " (\($0))" } ?? "")
            if let d = k.distribution {
                let c = d.deciding?.estimate
                let change = c.map { "\($0.level.name) \(ThresholdCheck.percent($0.relative))" + interval($0.relativeLow, $0.relativeHigh) } ?? ""
                func shown(_ v: Int64) -> String { k.unit == .ns ? ToolOutput.humanDuration(v, signed: false) : k.unit == .bytes ? "\(v) bytes" : String(v) }
                let sides = c.map { "\($0.level.name) \(shown($0.base)) -> \(shown($0.new)); " } ?? ""
                var t = TestCase(suite: title, classname: k.unit == .ns ? "latency" : k.unit == .bytes ? "bytes" : "values", name: name, output: sides + "n \(k.base.count) -> \(k.new.count)")
                switch d.verdict {
                case .regressed: t.failure = "regressed: " + change + p(d.adjustedP)
                case .inconclusive(let why): t.skipped = "inconclusive: " + why
                default: break
                }
                out.testCase(t)
            }
            if let r = k.rate {
                var t = TestCase(suite: title, classname: "rate", name: name,
                                 output: printf("%.1f/s -> %.1f/s", .double(k.base.rate), .double(k.new.rate)))
                switch r.verdict {
                case .regressed: t.failure = "regressed: rate \(ThresholdCheck.percent(r.relative))" + interval(r.relativeLow, r.relativeHigh) + p(r.adjustedP)
                case .inconclusive(let why): t.skipped = "inconclusive: " + why
                default: break
                }
                out.testCase(t)
            }
        }
        for c in checks {
            var t = TestCase(suite: title, classname: "threshold", name: c.condition)
            switch c.result {
            case .crossed: t.failure = "crossed by " + c.detail
            case .inconclusive: t.skipped = "inconclusive: " + c.detail
            case .clear: break
            }
            out.testCase(t)
        }
        for problem in problems { out.testCase(TestCase(suite: title, classname: "recordings", name: "comparable", skipped: "inconclusive: " + problem)) }
    }

    func recordings(base: [Recording], new: [Recording], into out: inout ToolOutput) {
        let layout = Self.recordingLayout(runs: base.count > 1 || new.count > 1)
        for (role, side) in [("BASE", base), ("NEW", new)] {
            for (i, rec) in side.enumerated() {
                out.row(layout, [.string(role), Value(i + 1), .string(rec.path), .string(rec.host?.hostname ?? "unknown"),
                                 .string(rec.host?.kernelRelease ?? "unknown"),
                                 .double(Double(rec.effectiveEnd - rec.effectiveStart) / 1e9)])
            }
        }
    }

    /// What a latency verdict from one recording per side does not say.
    static let singleRunNote = "one recording per side: the latency tests take its events as independent, so a shift between two runs of one command "
        + "(the load of the moment) is called significant; they do not include run-to-run variance. Record 3 or more runs per side "
        + "and give each with --base / --new to test between runs"

    static let noteLayout: RowLayout = {
        var l = RowLayout.Builder(.row, "note", header: false)
        l.add("note", row: "note: %s")
        l.literal(header: "\n", row: "\n")
        return l.layout
    }()

    static func recordingLayout(runs: Bool) -> RowLayout {
        var l = RowLayout.Builder(.row, "recording", header: false)
        l.add("role", row: "%-4s ")
        l.add("run", row: "run %d ", shown: runs)
        l.add("recording", row: "%s: ")
        l.add("host", row: "host %s, ")
        l.add("kernel", row: "Linux %s, ")
        l.add("seconds", row: "%.3f s")
        l.literal(header: "\n", row: "\n")
        return l.layout
    }

    static let problemLayout: RowLayout = {
        var l = RowLayout.Builder(.row, "problem", header: false)
        l.add("problem", row: "inconclusive: %s")
        l.literal(header: "\n", row: "\n")
        return l.layout
    }()

    func latencyLayout(details: Bool, unit kind: SampleUnit = .ns) -> RowLayout {
        // Byte counts show in KB as tcplife's TX_KB / RX_KB; JSON keeps bytes.
        let form: TextForm, change: TextForm
        switch kind {
        case .ns: (form, change) = (.humanDuration(signed: false), .humanDuration(signed: true))
        case .bytes: (form, change) = (.formatted("%.1f", scale: 1024), .formatted("%+.1f", scale: 1024))
        case .number: (form, change) = (.formatted("%.4g", scale: 1), .formatted("%+.4g", scale: 1))
        }
        let unit = kind == .ns ? "_ns" : kind == .bytes ? "_bytes" : ""
        var l = RowLayout.Builder(.row, kind == .ns ? "latency" : kind == .bytes ? "bytes" : "values")
        l.add("key", header: "%-14s ", keyLabel, row: "%-14s ")
        l.add("comm", header: "%-15s ", "COMM", row: "%-15s ", shown: details)
        l.add("base_count", header: "%8s ", "N BASE", row: "%8llu ")
        l.add("new_count", header: "%8s ", "N NEW", row: "%8llu ")
        l.add("base_rate", .formatted("%.1f", scale: 1), header: "%9s ", "BASE/s", row: "%9s ")
        l.add("new_rate", .formatted("%.1f", scale: 1), header: "%9s ", "NEW/s", row: "%9s ")
        for q in ["p50", "p90", "p99", "max"] {
            l.add("base_\(q)\(unit)", form, header: "%8s ", "\(q.uppercased()) B", row: "%8s ")
            l.add("new_\(q)\(unit)", form, header: "%8s ", "\(q.uppercased()) N", row: "%8s ")
        }
        l.add("on", header: "%-4s ", "ON", row: "%-4s ")
        l.add("change\(unit)", change, header: "%9s ", "CHANGE", row: "%9s ")
        l.add("relative", Self.percent, header: "%8s ", "REL", row: "%8s ")
        l.add("relative_ci", .interval(Self.percent), header: "%-18s ", "\(confidencePercent)% CI", row: "%-18s ", inJSON: false)
        l.json("relative_low")
        l.json("relative_high")
        l.json("change_low\(unit)")
        l.json("change_high\(unit)")
        l.add("p", .formatted("%.2g", scale: 1), header: "%8s ", "P(HOLM)", row: "%8s ")
        l.json("p_raw")
        l.json("u")
        for q in ["p50", "p90", "p99"] {
            l.json("\(q)_change\(unit)")
            l.json("\(q)_relative")
            l.json("\(q)_relative_low")
            l.json("\(q)_relative_high")
        }
        l.add("verdict", header: "%s", "VERDICT", row: "%s")
        l.json("reason")
        l.literal(header: "\n", row: "\n")
        return l.layout
    }

    /// The key column's heading: `DISK`, `PID`, `SYSCALL`; `KEY` for the single key `all`.
    var keyLabel: String { keyHeading == "all" ? "KEY" : keyHeading.uppercased() }

    var confidencePercent: String { printf("%g", .double((1 - settings.alpha) * 100)) }

    static func duration(_ v: Int64?) -> Value { v.map { .duration($0) } ?? .null }
    static func real(_ v: Double?) -> Value { v.map { .double($0) } ?? .null }
    static func range(_ low: Double?, _ high: Double?) -> Value {
        guard let low, let high else { return .null }
        return .list([.double(low), .double(high)])
    }

    func latencyRow(_ k: KeyComparison) -> [Value] {
        func amount(_ v: Int64?) -> Value { k.unit != .ns ? v.map { .int($0) } ?? .null : Self.duration(v) }
        var v: [Value] = [.string(k.name), .string(k.detail ?? ""), .uint(k.base.count), .uint(k.new.count), .double(k.base.rate), .double(k.new.rate)]
        for i in 0..<3 { v += [amount(k.base.quantiles?[i]), amount(k.new.quantiles?[i])] }
        v += [amount(k.base.max), amount(k.new.max)]
        let d = k.distribution
        let c = d?.deciding?.estimate
        v += [.string(c?.level.name ?? "-"), amount(c?.difference), Self.real(c?.relative), Self.range(c?.relativeLow, c?.relativeHigh),
              Self.real(c?.relativeLow), Self.real(c?.relativeHigh), c.map { amount(Int64($0.differenceLow.rounded())) } ?? .null,
              c.map { amount(Int64($0.differenceHigh.rounded())) } ?? .null,
              Self.real(d?.adjustedP), Self.real(d?.p), Self.real(d?.mannWhitney?.u)]
        for level in CompareSettings.quantiles {
            let b = d?.change(level)?.estimate
            v += [amount(b?.difference), Self.real(b?.relative), Self.real(b?.relativeLow), Self.real(b?.relativeHigh)]
        }
        v += [.string(d?.verdict.word ?? "-"), Self.reason(d?.verdict)]
        return v
    }

    static func reason(_ verdict: Verdict?) -> Value {
        if case .inconclusive(let why)? = verdict { return .string(why) }
        return .null
    }

    func rateLayout(details: Bool) -> RowLayout {
        var l = RowLayout.Builder(.row, "rate")
        l.add("key", header: "%-14s ", keyLabel, row: "%-14s ")
        l.add("comm", header: "%-15s ", "COMM", row: "%-15s ", shown: details)
        l.add("base_count", header: "%8s ", "N BASE", row: "%8llu ")
        l.add("new_count", header: "%8s ", "N NEW", row: "%8llu ")
        addRateTest(&l, width: 9, rateHeadings: ("BASE/s", "NEW/s", "CHANGE/s"), verdict: "%s")
        l.literal(header: "\n", row: "\n")
        return l.layout
    }

    /// A rate test's columns (the rate table's and a stack profile's): each side's rate, the
    /// change with its interval, the p-values and the verdict.
    func addRateTest(_ l: inout RowLayout.Builder, width: Int, rateHeadings h: (String, String, String), verdict: String) {
        l.add("base_rate", .formatted("%.1f", scale: 1), header: "%\(width)s ", h.0, row: "%\(width)s ")
        l.add("new_rate", .formatted("%.1f", scale: 1), header: "%\(width)s ", h.1, row: "%\(width)s ")
        l.add("change", .formatted("%+.1f", scale: 1), header: "%\(width)s ", h.2, row: "%\(width)s ")
        l.add("relative", Self.percent, header: "%8s ", "REL", row: "%8s ")
        l.add("relative_ci", .interval(Self.percent), header: "%-18s ", "\(confidencePercent)% CI", row: "%-18s ", inJSON: false)
        l.json("relative_low")
        l.json("relative_high")
        l.json("change_low")
        l.json("change_high")
        l.add("p", .formatted("%.2g", scale: 1), header: "%8s ", "P(HOLM)", row: "%8s ")
        l.json("p_raw")
        l.add("verdict", header: verdict, "VERDICT", row: verdict)
        l.json("reason")
    }

    /// The values of `addRateTest`'s columns.
    func rateTestValues(_ k: KeyComparison) -> [Value] {
        let r = k.rate, w = r?.welch
        return [.double(k.base.rate), .double(k.new.rate),
                Self.real(w?.difference), Self.real(r?.relative), Self.range(r?.relativeLow, r?.relativeHigh), Self.real(r?.relativeLow), Self.real(r?.relativeHigh),
                Self.real(w?.low), Self.real(w?.high), Self.real(r?.adjustedP), Self.real(w?.p),
                .string(r?.verdict.word ?? "-"), Self.reason(r?.verdict)]
    }

    func rateRow(_ k: KeyComparison) -> [Value] {
        [.string(k.name), .string(k.detail ?? ""), .uint(k.base.count), .uint(k.new.count)] + rateTestValues(k)
    }

    /// The default suite's one table: a row per test of every tool's keys.
    var suiteLayout: RowLayout {
        var l = RowLayout.Builder(.row, "suite")
        l.add("key", header: "%-24s ", "TOOL:KEY", row: "%-24s ")
        l.add("measure", header: "%-8s ", "MEASURE", row: "%-8s ")
        l.add("base_count", header: "%8s ", "N BASE", row: "%8llu ")
        l.add("new_count", header: "%8s ", "N NEW", row: "%8llu ")
        l.add("on", header: "%-7s ", "ON", row: "%-7s ")
        l.add("base", .formatted("%.4g", scale: 1), header: "%10s ", "BASE", row: "%10s ")
        l.add("new", .formatted("%.4g", scale: 1), header: "%10s ", "NEW", row: "%10s ")
        l.json("unit")
        l.add("relative", Self.percent, header: "%8s ", "REL", row: "%8s ")
        l.add("relative_ci", .interval(Self.percent), header: "%-18s ", "\(confidencePercent)% CI", row: "%-18s ", inJSON: false)
        l.json("relative_low")
        l.json("relative_high")
        l.add("p", .formatted("%.2g", scale: 1), header: "%8s ", "P(HOLM)", row: "%8s ")
        l.add("verdict", header: "%s", "VERDICT", row: "%s")
        l.json("reason")
        l.literal(header: "\n", row: "\n")
        return l.layout
    }

    /// A latency test's row: the deciding quantile of each side, in us.
    func suiteRow(_ k: KeyComparison, distribution d: KeyComparison.DistributionTest) -> [Value] {
        let c = d.deciding?.estimate
        return [.string(k.name), "latency", .uint(k.base.count), .uint(k.new.count), .string(c.map { $0.level.name + " us" } ?? "-"),
                Self.real(c.map { Double($0.base) / 1e3 }), Self.real(c.map { Double($0.new) / 1e3 }), "us",
                Self.real(c?.relative), Self.range(c?.relativeLow, c?.relativeHigh), Self.real(c?.relativeLow), Self.real(c?.relativeHigh),
                Self.real(d.adjustedP), .string(d.verdict.word), Self.reason(d.verdict)]
    }

    /// A rate test's row: events per second of each side.
    func suiteRow(_ k: KeyComparison, rate r: KeyComparison.RateTest) -> [Value] {
        [.string(k.name), "rate", .uint(k.base.count), .uint(k.new.count), "/s", .double(k.base.rate), .double(k.new.rate), "1/s",
         Self.real(r.relative), Self.range(r.relativeLow, r.relativeHigh), Self.real(r.relativeLow), Self.real(r.relativeHigh),
         Self.real(r.adjustedP), .string(r.verdict.word), Self.reason(r.verdict)]
    }

    static let thresholdLayout: RowLayout = {
        var l = RowLayout.Builder(.row, "threshold")
        l.add("condition", header: "%-26s ", "THRESHOLD", row: "%-26s ")
        l.add("result", header: "%-13s ", "RESULT", row: "%-13s ")
        l.add("detail", header: "%s", "DETAIL", row: "%s")
        l.literal(header: "\n", row: "\n")
        return l.layout
    }()

    func summary(runs: (base: Int, new: Int)) -> [Value] {
        var regressed = 0, improved = 0, unchanged = 0, inconclusive = 0
        for v in keys.flatMap({ [$0.distribution?.verdict, $0.rate?.verdict].compactMap { $0 } }) {
            switch v {
            case .regressed: regressed += 1
            case .improved: improved += 1
            case .unchanged: unchanged += 1
            case .inconclusive: inconclusive += 1
            }
        }
        return [Value(regressed), Value(improved), Value(unchanged), Value(inconclusive), Value(regressed + improved + unchanged),
                .double(settings.alpha), .double(settings.minChange), Value(settings.replicates), .uint(settings.seed),
                Value(runs.base), Value(runs.new)]
    }

    /// Between runs no bootstrap is drawn: the text names the runs instead.
    static func summaryLayout(runs: Bool) -> RowLayout {
        var l = RowLayout.Builder(.row, "summary", header: false)
        l.add("regressed", row: "%d regressed, ")
        l.add("improved", row: "%d improved, ")
        l.add("unchanged", row: "%d ~, ")
        l.add("inconclusive", row: "%d inconclusive; ")
        l.add("tests", row: "%d tests, Holm-Bonferroni at alpha ")
        l.add("alpha", row: "%g, ")
        l.add("min_change", .formatted("%g", scale: 0.01), row: runs ? "min change %s%%; " : "min change %s%%, ")
        l.add("bootstrap_replicates", row: "bootstrap %d, ", shown: !runs)
        l.add("seed", row: "seed %llu", shown: !runs)
        l.add("base_runs", row: "Student's t between %d BASE ", shown: runs)
        l.add("new_runs", row: "and %d NEW runs", shown: runs)
        l.literal(header: "\n", row: "\n")
        return l.layout
    }

    static let resultLayout: RowLayout = {
        var l = RowLayout.Builder(.row, "result", header: false)
        l.add("exit", row: "exit %d: ")
        l.add("reason", row: "%s")
        l.literal(header: "\n", row: "\n")
        return l.layout
    }()
}
