import ArgumentParser
import OfflineBpftrace
import TraceAnalysis
import TraceReport

/// A bpftrace script shipped with bpfan (Sources/TraceTools/Scripts/NAME.bt, embedded by
/// `make generate`).
public protocol BtScript {
    static var name: String { get }
    /// The script's second line after `NAME.bt: `: what it shows.
    static var summary: String { get }
    static var source: String { get }
    /// What every run says on stderr: what the script approximates (its `// bpfan note:` line).
    static var note: String? { get }
}

extension BtScript {
    public static var note: String? { nil }
}

/// What `bpfan tools` asks of a shipped script: the tracepoints its probes name.
public protocol ShippedScript {
    /// The event probes as the script names them (tracepoint:..., profile:...).
    static var scriptProbes: [String] { get }
    static var scriptSource: String { get }
    /// Why `rec` cannot serve the script, or nil.
    static func unserved(by rec: Recording) -> String?
}

/// `bpfan NAME.bt RECORDING [ARGS...]`: a shipped bpftrace script run by the offline
/// interpreter, exactly as `bpfan bt` runs a user's script. No Swift of its own: the script is
/// the tool.
public struct ScriptTool<Script: BtScript>: RecordingTool, ShippedScript {
    public static var toolName: String { Script.name }
    public static var notes: String { "a bpftrace script run by the offline interpreter (bpfan \(Script.name) --source prints it)" }
    public static var scriptSource: String { Script.source }
    public static var scriptProbes: [String] {
        let points = (try? BtParser.parse(Script.source))?.probes.flatMap(\.attachPoints) ?? []
        var seen: [String] = []
        for p in points where p != "BEGIN" && p != "END" && !p.hasPrefix("interval:") && !p.hasPrefix("i:") && !seen.contains(p) { seen.append(p) }
        return seen
    }
    public static func unserved(by rec: Recording) -> String? {
        guard let program = try? BtParser.parse(Script.source) else { return "the script does not parse" }
        return BtInterpreter.unservedProbe(program, rec, mapKprobes: true)
    }
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: Script.name,
            abstract: Script.summary.prefix(1).uppercased() + Script.summary.dropFirst(),
            discussion: "A bpftrace program shipped with bpfan and run over the recording by the offline interpreter, as `bpfan bt` runs yours: `bpfan \(Script.name) --source` prints it, and `bpfan bt FILE.bt RECORDING` runs a copy you change.")
    }

    @OptionGroup var output: BtOutputFormat
    @Flag(help: "print the script instead of running it")
    var source = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("RECORDING [ARGS...] ($1... of the script)", valueName: "arguments"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { [] }
    // The interpreter reports the loss of the tables its probes read.
    public var lossFamilies: Set<String> { [] }

    public func run() throws {
        if source {
            print(Script.source, terminator: Script.source.hasSuffix("\n") ? "" : "\n")
            return
        }
        var out = ToolOutput(streaming: true, mode: common.json ? .json : .text)
        execute(into: &out, arguments: Array(CommandLine.arguments.dropFirst(2)))
        out.flush()
        if out.failed { throw ExitCode.failure }
    }

    public func recordingArgument() throws -> (path: String, numbers: [Int]) {
        guard !positionals.isEmpty else { throw AnalysisError("missing the recording (.trc) argument") }
        return (RecordingPaths.leading(positionals, at: 0).argument, [])
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        var args = Array(positionals.dropFirst(RecordingPaths.leading(positionals, at: 0).count))
        if args.first == "--" { args.removeFirst() }
        do {
            let parsed = try BtParser.parse(Script.source)
            if let note = Script.note { out.warn("bpfan \(Script.name): \(note)") }
            // Our scripts use a kprobe only where a recorded tracepoint serves it (BtKprobeMap).
            try BtRun.run(parsed, rec, positionals: args, format: output.format, tool: Script.name, mapKprobes: true, into: &out)
        } catch let e as BtError {
            throw AnalysisError("\(Script.name):\(e)")
        }
    }
}
