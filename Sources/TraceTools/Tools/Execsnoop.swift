import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// libbpf-tools execsnoop (0.26): successful (with -x, all) execs as rows, printed at return.
public struct Execsnoop: RecordingTool {
    public static let toolName = "execsnoop"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "argv beyond the recorded arguments (60; 20 in recordings of older bpfrec) is lost (warned)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace exec syscalls",
        discussion: """
        EXAMPLES:
            bpfan execsnoop run.trc             # trace all exec() syscalls
            bpfan execsnoop -x run.trc          # include failed exec()s
            bpfan execsnoop -T run.trc          # include time (HH:MM:SS)
            bpfan execsnoop -U run.trc          # include UID
            bpfan execsnoop -u 1000 run.trc     # only trace UID 1000
            bpfan execsnoop -t run.trc          # include timestamps
            bpfan execsnoop -q run.trc          # add "quotemarks" around arguments
            bpfan execsnoop -n main run.trc     # only print command lines containing
                                                # "main"
            bpfan execsnoop -l tpkg run.trc     # only print commands where arg
                                                # contains "tpkg"
        """)

    @Flag(name: [.customShort("T"), .customLong("time")], help: "include time column on output (HH:MM:SS)")
    var time = false
    @Flag(name: [.customShort("t"), .customLong("timestamp")], help: "include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("x"), .customLong("fails")], help: "include failed exec()s")
    var fails = false
    @Option(name: [.customShort("u", allowingJoined: true), .customLong("uid")], help: ArgumentHelp("trace this UID only", valueName: "UID"))
    var uid: Int?
    @Flag(name: [.customShort("q"), .customLong("quote")], help: "Add quotemarks (\") around arguments")
    var quote = false
    @Option(name: [.customShort("n", allowingJoined: true), .customLong("name")], help: ArgumentHelp("only print commands matching this name, any arg", valueName: "NAME"))
    var name: String?
    @Option(name: [.customShort("l", allowingJoined: true), .customLong("line")], help: ArgumentHelp("only print commands where arg contains this line (like the live tool, matched against the command name)", valueName: "LINE"))
    var line: String?
    @Flag(name: [.customShort("U"), .customLong("print-uid")], help: "print UID column")
    var printUID = false
    @Option(name: .customLong("max-args"), help: ArgumentHelp("maximum number of arguments parsed and displayed, defaults to 20", valueName: "MAX_ARGS"))
    var maxArgs: Int = 20
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("cgroup")], help: ArgumentHelp("Trace process in cgroup path (not recorded: refused)", valueName: "CG"))
    var cgroup: String?
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public func validate() throws {
        if maxArgs < 1 || maxArgs > 60 { throw ValidationError("Invalid MAX_ARGS \(maxArgs), should be in [1, 60] range") }
        if let uid, uid < 0 || uid >= Int(UInt32.max) { throw ValidationError("Invalid UID \(uid)") }
    }

    public var requiredTables: [String] { ["process_exec"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if cgroup != nil { throw AnalysisError("-c: recordings carry no cgroup membership; cannot filter by cgroup") }
        var incomplete = 0
        // execsnoop.c's header and print_event(), piece by piece (some without a separator).
        var b = RowLayout.Builder(.event, "exec")
        b.add("time", .hms, header: "%-9s", "TIME", row: "%-8s ", shown: time)
        b.add("time_s", header: "%-8s ", "TIME(s)", row: "%-8.3f", shown: timestamp, inJSON: false)
        b.add("uid", header: "%-6s ", "UID", row: "%-6d", shown: printUID)
        b.add("comm", header: "%-16s ", "PCOMM", row: "%-16s ")
        b.add("pid", header: "%-6s ", "PID", row: "%-6d ")
        b.add("ppid", header: "%-6s ", "PPID", row: "%-6d ")
        b.add("ret", header: "%3s ", "RET", row: "%3d ")
        b.add("args_text", header: "%s", "ARGS", row: "%s", inJSON: false)
        b.json("args")
        b.json("more")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        let recorded = RecordedArgvLimits(rec).maxArgs
        for e in try rec.execEvents() {
            if let uid, e.uid != Int64(uid) { continue }
            if !fails && e.ret < 0 { continue }
            if let name, !e.comm.contains(name) { continue }
            if let line, !e.comm.contains(line) { continue }
            // The live tool's args: the filename, then argv[1...], max_args in all, and a count one
            // higher when more were passed (printed as " ...").
            var args = [e.filename] + e.argv.dropFirst().prefix(maxArgs - 1)
            let wanted = min(max(e.argc, 1), maxArgs)
            if args.count < wanted { incomplete += 1 }
            args = args.map(Self.cut)
            let more = e.argc > maxArgs
            // print_args(): each argument and a blank, quoted with -q, " ..." when cut.
            var text = quote ? "\"" + args.map { Self.escaped($0) + "\" " }.joined(separator: "\"") : args.map { $0 + " " }.joined()
            if more { text += " ..." }
            // Seconds since the tool started: the window start stands for it.
            out.row(layout, [.time(e.exitTime), .double(Double(e.exitTime &- rec.effectiveStart) / 1e9), .int(e.uid), .string(e.comm), .int(e.pid), .int(e.ppid),
                             .int(e.ret), .string(text), .list(args.map { .string($0) }), .bool(more)])
        }
        if incomplete > 0 {
            out.warn("bpfan execsnoop: \(incomplete) exec(s) had more arguments than the recording kept (\(recorded)); their ARGS are cut short")
        }
    }

    /// An argument as the BPF side reads it: at most ARGSIZE (128) bytes with the NUL.
    static func cut(_ s: String) -> String {
        let b = Array(s.utf8)
        return b.count <= 127 ? s : String(decoding: b[0..<127], as: UTF8.self)
    }

    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\n", with: "\\n")
    }
}
