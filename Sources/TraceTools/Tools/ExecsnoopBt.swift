import ArgumentParser
import TraceAnalysis
import TraceReport

/// bpftrace's execsnoop.bt (0.17): every exec at entry (failed ones too), milliseconds since
/// the start, and `join(args->argv)`: up to 16 arguments, stopping at an empty one.
public struct ExecsnoopBt: RecordingTool {
    public static let toolName = "execsnoop.bt"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "recordings of bpfrec before 22016-byte argv cut arguments at 127 bytes (said when so)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace new processes via exec() syscalls (bpftrace execsnoop.bt output).")

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["process_exec"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        // Printed at sys_enter: order by entry time.
        let events = try rec.execEvents().sorted { ($0.ts, $0.tid) < ($1.ts, $1.tid) }
        let limits = RecordedArgvLimits(rec)
        var shortened = 0
        out.text("Attaching 3 probes...\n")
        var b = RowLayout.Builder(.event, "exec")
        b.json("time")
        b.add("time_ms", header: "%-10s ", "TIME(ms)", row: "%-10d ", inJSON: false)
        b.add("pid", header: "%-5s ", "PID", row: "%-5d ")
        b.add("args", .joined(" "), header: "%s", "ARGS", row: "%s")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        for e in events {
            let joined = e.joinArguments.map { Value.string($0) }
            // An old recording kept 127 bytes where join() reads 1023: say so when it mattered.
            if e.joinMayBeShortened(limits) { shortened += 1 }
            // As if bpftrace started at --from.
            out.row(layout, [.time(e.ts), .int((e.ts &- rec.effectiveStart) / 1_000_000), .int(e.pid), .list(joined)])
        }
        out.text("\n\n")
        if shortened > 0 {
            out.warn("bpfan execsnoop.bt: this recording kept arguments to \(limits.longArgBytes) bytes (an older bpfrec); \(shortened) exec(s) may show arguments shorter than bpftrace's 1023 bytes")
        }
    }
}
