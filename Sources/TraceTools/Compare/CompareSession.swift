import ArgumentParser
import TraceAnalysis
import TraceFormat
import TraceReport

/// One `bpfan compare BASE NEW TOOL [TOOL's flags]`, as parsed.
public struct CompareRequest: Sendable {
    /// Each side's recordings: one, or several runs (`--base`/`--new`; at least two each).
    /// Each is a recording argument (a rotated set's files joined, `RecordingPaths`).
    public var base: [String]
    public var new: [String]
    /// nil: the default suite over the families both recordings hold.
    public var tool: String?
    public var toolArguments: [String]
    public var settings = CompareSettings()
    public var conditions: [FailCondition] = []
    public var allowDifferentHosts = false
    /// Match pid/tid keys by their comm (`--by-comm`).
    public var byComm = false
    public var from: String?
    public var to: String?
    /// Stack profiles: where to write the differential folded file, and how many stacks each
    /// list of the report shows.
    public var foldedDiff: String?
    public var top = 10
    /// The arguments as given, for the JSON header.
    public var arguments: [String] = []

    public init(base: [String], new: [String], tool: String?, toolArguments: [String]) {
        self.base = base
        self.new = new
        self.tool = tool
        self.toolArguments = toolArguments
    }
}

/// Runs a comparison: opens both recordings, has the tool produce each one's keyed samples,
/// compares them, checks the thresholds and reports. The exit status: 0 no threshold crossed,
/// 1 a regression crossed one, 2 usage error or unreadable recording, 3 inconclusive.
public enum CompareSession {
    public static func run(_ r: CompareRequest, into out: inout ToolOutput) -> Int32 {
        do {
            return try compare(r, into: &out)
        } catch let e as CompareUsageError {
            out.warn("bpfan compare: \(e.message)")
            return 2
        } catch let e as AnalysisError {
            out.warn("bpfan compare: \(r.tool ?? "suite"): \(e.message)")
            return 2
        } catch let e as FormatError {
            out.warn("bpfan compare: \(e)")
            return 2
        } catch {
            out.warn("bpfan compare: \(error)")
            return 2
        }
    }

    /// One tool of the comparison, parsed with its flags.
    struct Member {
        var name: String
        var arguments: [String]
        var tool: any ComparableTool
        var title: String { ([name] + arguments).joined(separator: " ") }
    }

    static func member(_ name: String, _ arguments: [String]) throws -> Member {
        guard let type = ComparableTools.named(name) else {
            let known = ToolRegistry.tools.contains { $0.toolName == name }
            throw CompareUsageError("'\(name)' " + (known ? "has no keyed distributions or counts compare can test yet" : "is not a bpfan tool")
                                    + "; compare supports \(ComparableTools.names.joined(separator: ", "))")
        }
        return Member(name: name, arguments: arguments, tool: try parseTool(type, arguments))
    }

    static func compare(_ r: CompareRequest, into out: inout ToolOutput) throws -> Int32 {
        var members = try r.tool.map { [try member($0, r.toolArguments)] } ?? []
        if let m = members.first, m.tool.measured == nil, let c = r.conditions.first(where: \.needsValues) {
            throw CompareUsageError("--fail-if '\(c.text)': \(m.title) counts events without values; only rate thresholds apply" + (m.name == "syscount" ? " (give -L for latencies)" : ""))
        }
        if r.foldedDiff != nil && members.first?.tool.stackWeight == nil {
            throw CompareUsageError("--folded-diff: give a stack profile tool (offcputime, profile)")
        }
        let base = try r.base.map { try open($0, role: "BASE", r) }, new = try r.new.map { try open($0, role: "NEW", r) }
        let all = base + new
        // A ring's dropped oldest chunks (or a set's missing first files) shorten that side's span.
        for (role, rec) in base.map({ ("BASE", $0) }) + new.map({ ("NEW", $0) }) {
            if let lost = rec.lostOldestNote { out.warn("bpfan compare: note: \(role) \(rec.path): \(lost)") }
        }
        if r.tool == nil {
            members = try ComparableTools.suite.map { try member($0.tool, $0.arguments) }.filter { m in
                all.allSatisfy { $0.missingTables(m.tool.requiredTables).isEmpty }
            }
            if members.isEmpty {
                let shown = (r.base + r.new).map(RecordingPaths.shown)
                throw CompareUsageError("\(shown.dropLast().joined(separator: ", ")) and \(shown.last ?? "") hold no family in common that compare's tools read (\(ComparableTools.names.joined(separator: ", ")))")
            }
            if r.byComm { throw CompareUsageError("--by-comm: give a tool with -P or -L; the default suite is not keyed by pid") }
        }
        for m in members {
            for rec in all {
                let missing = rec.missingTables(m.tool.requiredTables)
                if !missing.isEmpty {
                    let families = Set(missing.map { Recording.family(ofTable: $0) }).sorted().joined(separator: ",")
                    throw CompareUsageError("\(rec.path) has no \(missing.joined(separator: ", ")) table\(missing.count > 1 ? "s" : ""); \(m.name) needs `bpfrec record --families \(families)`")
                }
            }
        }
        var keys: [KeyComparison] = []
        var lossFamilies: Set<String> = []
        for m in members {
            var settings = r.settings
            // Rates decide verdicts for the tools that count; for latency tools only when a threshold asks.
            settings.testRates = m.tool.ratesDecide || r.conditions.contains { $0.metric == .rate }
            var baseSamples = try base.map { try m.tool.samples($0, bins: settings.intervals) }, newSamples = try new.map { try m.tool.samples($0, bins: settings.intervals) }
            if r.byComm {
                guard ["pid", "tid"].contains(m.tool.keyHeading) else { throw CompareUsageError("--by-comm: \(m.title) is not keyed by pid or tid (give -P or -L)") }
                baseSamples = baseSamples.map { $0.keyedByDetail() }
                newSamples = newSamples.map { $0.keyedByDetail() }
            }
            if let path = r.foldedDiff {
                do { try FlameGraphFile.write(StackSamples.differentialFolded(base: baseSamples, new: newSamples), to: path, flag: "--folded-diff") } catch let e as AnalysisError {
                    throw CompareUsageError(e.message)
                }
            }
            let prefix = r.tool == nil ? m.name + ":" : ""
            if baseSamples.count == 1 && newSamples.count == 1 {
                keys += Comparison.tests(base: baseSamples[0], new: newSamples[0], settings: settings, prefix: prefix)
            } else {
                keys += Comparison.tests(baseRuns: baseSamples, newRuns: newSamples, settings: settings, prefix: prefix)
            }
            lossFamilies.formUnion(m.tool.lossFamilies)
        }
        let settings = r.settings
        Comparison.decide(&keys, settings)
        var checks: [ThresholdCheck] = []
        if r.conditions.isEmpty {
            checks = [ThresholdCheck.anyRegression(keys)]
        } else {
            for c in r.conditions { checks.append(try ThresholdCheck.evaluate(c, keys, alpha: settings.alpha)) }
        }
        let problems = RecordingCompatibility.problems(base: base, new: new, lossFamilies: lossFamilies, allowDifferentHosts: r.allowDifferentHosts)

        let crossed = checks.filter { $0.result == .crossed }, undecided = checks.filter { $0.result == .inconclusive }
        let status: Int32
        let reason: String
        if !problems.isEmpty {
            status = 3
            reason = "inconclusive: " + problems.joined(separator: "; ")
        } else if !crossed.isEmpty {
            status = 1
            reason = "regression: " + crossed.map { "\($0.condition) crossed by \($0.detail)" }.joined(separator: "; ")
        } else if !undecided.isEmpty {
            status = 3
            reason = "inconclusive: " + undecided.map { "\($0.condition): \($0.detail)" }.joined(separator: "; ")
        } else {
            status = 0
            reason = "no threshold crossed"
        }

        // The header names NEW (its first run).
        let shownNew = new[0]
        out.begin(tool: "compare", arguments: r.arguments, recording: shownNew.path, host: shownNew.host?.hostname, kernel: shownNew.host?.kernelRelease,
                  window: (shownNew.effectiveStart, shownNew.effectiveEnd), clock: shownNew.clock.map(WallClock.init))
        let single = r.tool == nil ? nil : members[0]
        var report = ComparisonReport(title: single?.title ?? "suite: " + members.map(\.title).joined(separator: ", "),
                                      measured: single.map { m in m.tool.stackWeight.map { "\($0.name) (\($0.unit))" } ?? m.tool.measured ?? "event rates" }, keyHeading: single.map { r.byComm ? "comm" : $0.tool.keyHeading } ?? "tool:key",
                                      settings: settings, keys: keys, checks: checks, problems: problems, status: status, reason: reason)
        report.stackUnit = single?.tool.stackWeight?.unit
        report.top = r.top
        report.emit(base: base, new: new, into: &out)
        if status != 0 { out.warn("bpfan compare: \(reason)") }
        return status
    }

    static func parseTool<T: ComparableTool>(_ type: T.Type, _ args: [String]) throws -> any ComparableTool {
        let tool: T
        do { tool = try T.parse(args) } catch { throw CompareUsageError("\(T.toolName): \(T.message(for: error))") }
        if !T.takesArguments, let extra = tool.positionals.first {
            throw CompareUsageError("\(T.toolName): unexpected argument '\(extra)'; compare takes the two recordings before the tool, and no interval or count")
        }
        if tool.common.json { throw CompareUsageError("\(T.toolName): --json: give compare --format json") }
        return tool
    }

    static func open(_ path: String, role: String, _ r: CompareRequest) throws -> Recording {
        let rec: Recording
        do {
            rec = try Recording(file: RecordingPaths.open(path), window: .all)
        } catch let e as FormatError {
            throw CompareUsageError("\(role) \(e)")
        }
        let windowed: Recording
        do { windowed = try rec.windowed(from: r.from, to: r.to) } catch let e as AnalysisError {
            throw CompareUsageError("\(role) \(RecordingPaths.shown(path)): \(e.message)")
        }
        guard windowed.effectiveEnd > windowed.effectiveStart else {
            throw CompareUsageError("\(role) \(RecordingPaths.shown(path)): --from/--to leave nothing of its " + printf("%.3f s", .double(Double(rec.stopTime - rec.startTime) / 1e9)))
        }
        return windowed
    }
}
