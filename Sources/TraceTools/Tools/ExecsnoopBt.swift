import ArgumentParser
import TraceAnalysis

/// bpftrace's execsnoop.bt (0.17): every exec at entry (failed ones too), milliseconds since
/// the start, and `join(args->argv)`: up to 16 arguments, stopping at an empty one.
public struct ExecsnoopBt: RecordingTool {
    public static let toolName = "execsnoop.bt"
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
        if !common.json {
            out.line("Attaching 3 probes...")
            out.line(left("TIME(ms)", 10) + " " + left("PID", 5) + " ARGS")
        }
        for e in events {
            var joined: [String] = []
            for a in e.argv.prefix(16) {
                if a.isEmpty { break }
                joined.append(a)
            }
            let ms = (e.ts &- rec.effectiveStart) / 1_000_000  // as if started at --from
            if common.json {
                out.write(JSONShapes.event(tool: Self.toolName, [("time_ms", .int(ms)), ("pid", .int(e.pid)), ("args", .array(joined.map { .string($0) }))]))
            } else {
                out.line(left(ms, 10) + " " + left(e.pid, 5) + " " + joined.joined(separator: " "))
            }
        }
        if !common.json { out.write("\n\n") }
    }
}
