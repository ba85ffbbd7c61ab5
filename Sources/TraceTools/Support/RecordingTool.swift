import ArgumentParser
import TraceAnalysis
import TraceReport
import TraceFormat
import TraceFlameGraph

/// A tool that reads a recording: the live tool's flags, then the shared `--from/--to/--json`,
/// then trailing positionals holding the recording and the live tool's own positionals
/// (`interval count`), in either order.
public protocol RecordingTool: ParsableCommand {
    /// The name the user types (`biolatency`, `biolatency.bt`).
    static var toolName: String { get }
    var common: CommonOptions { get }
    var positionals: [String] { get }
    /// How many numeric positionals the live tool takes (interval, count).
    static var numericPositionals: [String] { get }
    /// Text positionals the live tool takes before the recording (funccount's pattern, tplist's
    /// filter): every non-numeric argument but the last, which names the recording.
    static var textPositionals: [String] { get }
    /// Whether the last text positional repeats (bcc trace's `probe [probe ...]`).
    static var textPositionalRepeats: Bool { get }
    /// A numeric positional's value, or nil when `arg` is not one (then it names the recording).
    static func positionalNumber(_ arg: String) -> Int?
    /// Tables this invocation needs (may depend on flags).
    var requiredTables: [String] { get }
    /// Families whose lost events make this tool's numbers incomplete.
    var lossFamilies: Set<String> { get }
    /// Where the reproduction differs from the live tool or needs more than its tables, for
    /// `bpfan tools` ("" when it does not).
    static var notes: String { get }
    /// Which positional is the recording, and the numeric positionals (default: the last
    /// non-numeric argument; bpfan bt's come before the program's own arguments).
    func recordingArgument() throws -> (path: String, numbers: [Int])
    /// The `interval [count]` this invocation reports in (seconds of recording time), or nil
    /// when it prints one report: the shared notes on a span shorter than asked for use it.
    /// Default: the `interval count` positionals.
    func intervals(numbers: [Int]) -> IntervalRequest?
    /// The flame graph this invocation asks for (`--svg FILE`), or nil.
    var flameGraph: FlameGraphRequest? { get }
    /// A flame graph's default title and what its values count ("samples", "us").
    static var flameGraphTitle: String { get }
    static var flameGraphCountName: String { get }
    /// Produces the output from the windowed recording and the numeric positionals.
    func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws
}

extension RecordingTool {
    public static var numericPositionals: [String] { [] }
    public static var textPositionals: [String] { [] }
    public static var textPositionalRepeats: Bool { false }
    public func recordingArgument() throws -> (path: String, numbers: [Int]) { try splitPositionals() }

    /// The text positionals given (see `textPositionals`), in order.
    public var texts: [String] {
        let words = positionals.filter { Self.positionalNumber($0) == nil || Self.numericPositionals.isEmpty }
        return Self.textPositionals.isEmpty ? [] : Array(words.dropLast())
    }
    public static func positionalNumber(_ arg: String) -> Int? { Int(arg) }
    public static var notes: String { "" }
    public func intervals(numbers: [Int]) -> IntervalRequest? {
        guard Self.numericPositionals.first == "interval", let seconds = numbers.first else { return nil }
        return IntervalRequest(seconds: seconds, count: numbers.count > 1 ? numbers[1] : nil)
    }
    public var lossFamilies: Set<String> { Set(requiredTables.map { Recording.family(ofTable: $0) }) }
    public var flameGraph: FlameGraphRequest? { nil }
    public static var flameGraphTitle: String { "Flame Graph" }
    public static var flameGraphCountName: String { "samples" }

    public func run() throws {
        var out = ToolOutput(streaming: true, mode: common.json ? .json : .text)
        // `bpfan TOOL ARGS...`: the JSON header names the flags as given.
        execute(into: &out, arguments: Array(CommandLine.arguments.dropFirst(2)))
        out.flush()
        if let why = StandardOutput.failureMessage {
            out.warn("bpfan \(Self.toolName): \(why)")
            throw ExitCode.failure
        }
        if out.failed { throw ExitCode.failure }
    }

    /// Runs the tool and captures everything it would print (`arguments`: for the JSON header).
    public func execute(arguments: [String] = []) -> ToolOutput {
        var out = ToolOutput(mode: common.json ? .json : .text)
        execute(into: &out, arguments: arguments)
        return out
    }

    func execute(into out: inout ToolOutput, arguments: [String]) {
        let name = Self.toolName
        do {
            let (argument, numbers) = try recordingArgument()
            let path = RecordingPaths.shown(argument)
            let file = try RecordingPaths.open(argument)
            let rec = try Recording(file: file, window: .all).windowed(from: common.from, to: common.to)
            // What the recording covers of the span asked for: nothing at all is an error, not an
            // empty report.
            let coverage = rec.coverage(from: common.from, to: common.to)
            if let nothing = coverage.nothing {
                out.warn("bpfan \(name): \(nothing)")
                out.failed = true
                return
            }
            out.begin(tool: name, arguments: arguments, recording: path, host: rec.host?.hostname, kernel: rec.host?.kernelRelease,
                      window: (rec.effectiveStart, rec.effectiveEnd), clock: rec.clock.map(WallClock.init))
            let missing = rec.missingTables(requiredTables)
            if !missing.isEmpty {
                // The recorder's own tables are in every recording a current bpfrec makes.
                let own = missing.filter { !$0.contains(":") && Recording.family(ofTable: $0) == "recorder" }
                if !own.isEmpty {
                    out.warn("bpfan \(name): \(path) has no \(own.joined(separator: ", ")) table\(own.count > 1 ? "s" : ""): it was made by an older bpfrec, which did not record \(own.count > 1 ? "them" : "it")")
                    out.failed = true
                    return
                }
                let generic = missing.filter { $0.contains(":") }, fixed = missing.filter { !$0.contains(":") }
                let families = Set(fixed.map { Recording.family(ofTable: $0) }).sorted().joined(separator: ",")
                let how = (fixed.isEmpty ? [] : ["--families \(families)"]) + generic.map { "-e \($0)" }
                out.warn("bpfan \(name): \(path) has no \(missing.joined(separator: ", ")) table\(missing.count > 1 ? "s" : ""); record it with `bpfrec record \(how.joined(separator: " "))`")
                out.failed = true
                return
            }
            for note in coverage.notes { out.warn("bpfan \(name): note: \(note)") }
            if let scope = rec.scopeNote { out.warn("bpfan \(name): note: \(scope)") }
            if let lost = rec.lostOldestNote { out.warn("bpfan \(name): note: \(lost)") }
            if let i = intervals(numbers: numbers), let note = rec.intervalNote(i) {
                out.warn("bpfan \(name): note: \(note)")
            }
            if !file.damage.isEmpty {
                out.warn("bpfan \(name): warning: \(path) is damaged (\(file.damage.count) problem(s); first: \(file.damage[0])); output covers the readable part")
            }
            if let lost = rec.lossSummary(families: lossFamilies) {
                out.warn("bpfan \(name): warning: \(lost); counts below are incomplete")
            }
            if let graph = flameGraph {
                try renderFlameGraph(graph, rec, numbers: numbers, arguments: arguments, into: &out)
            } else {
                try render(rec, numbers: numbers, into: &out)
            }
        } catch let e as AnalysisError {
            out.warn("bpfan \(name): \(e.message)")
            out.failed = true
        } catch let e as FormatError {
            out.warn("bpfan \(name): \(e)")
            out.failed = true
        } catch {
            out.warn("bpfan \(name): \(error)")
            out.failed = true
        }
    }

    /// The tool's report with its stacks kept, then their flame graph written. To stdout
    /// (`--svg -`), the graph replaces the text: the report goes to a buffer, its warnings on.
    func renderFlameGraph(_ graph: FlameGraphRequest, _ rec: Recording, numbers: [Int], arguments: [String], into out: inout ToolOutput) throws {
        if graph.path == "-" && out.mode == .json { throw AnalysisError("--svg -: the SVG would replace the --json records on stdout; give --svg a file") }
        var report = graph.path == "-" ? ToolOutput(mode: out.mode) : out
        if graph.path == "-" { report.clock = out.clock }
        report.keepsStacks = true
        defer {
            if graph.path == "-" { for line in report.stderr { out.warn(line) } } else { out = report }
        }
        try render(rec, numbers: numbers, into: &report)
        let stacks = FlameGraphFile.stacks(report.keptStacks)
        if stacks.isEmpty { report.warn("bpfan \(Self.toolName): note: no stacks to draw; the flame graph says so") }
        var options = FlameGraphOptions(title: graph.title, countName: graph.countName)
        options.subtitle = (["bpfan", Self.toolName] + arguments).joined(separator: " ")
        let svg = FlameGraph.svg(stacks, options)
        if graph.path == "-" { out.document(svg) } else { try FlameGraphFile.write(svg, to: graph.path) }
    }

    /// Finds the recording among the trailing positionals (the one that is not a number) and
    /// parses the rest as the live tool's numeric positionals, in order.
    func splitPositionals() throws -> (String, [Int]) {
        var path: String?
        var numbers: [Int] = []
        let names = Self.numericPositionals
        // With text positionals, the recording is the last non-numeric argument.
        let textCount = Self.textPositionals.isEmpty ? 0 : texts.count
        guard textCount <= Self.textPositionals.count || Self.textPositionalRepeats else {
            throw AnalysisError("unexpected argument '\(texts[Self.textPositionals.count])'; this tool takes \(Self.textPositionals.joined(separator: " ")) and the recording")
        }
        var skipped = 0
        for arg in positionals {
            if let n = Self.positionalNumber(arg) {
                guard numbers.count < names.count else {
                    throw AnalysisError("unexpected positional argument '\(arg)'" + (names.isEmpty ? "; this tool takes only the recording" : "; it takes \(names.joined(separator: " ")) and the recording"))
                }
                guard n > 0 else { throw AnalysisError("invalid \(names[numbers.count]) '\(arg)': must be a positive integer") }
                numbers.append(n)
            } else if skipped < textCount {
                skipped += 1
            } else {
                if let known = path, RecordingPaths.isFile(arg), RecordingPaths.split(known).allSatisfy(RecordingPaths.isFile) {
                    // `run.*.trc`: the numbered files of one rotated recording.
                    path = known + String(RecordingPaths.separator) + arg
                    continue
                }
                if let path {
                    throw AnalysisError("two recordings given ('\(path)' and '\(arg)'), or '\(arg)' is not a valid \(names.isEmpty ? "argument" : names[min(numbers.count, names.count - 1)])")
                }
                path = arg
            }
        }
        guard let path else { throw AnalysisError("missing the recording (.trc) argument") }
        return (path, numbers)
    }
}

extension WallClock {
    /// The recording's clock anchors as the output model's clock.
    init(_ c: ClockAnchorsView) { self.init(offset: c.realtimeAtStart &- c.monotonicAtStart, utcOffsetSeconds: c.utcOffsetSeconds) }
}
