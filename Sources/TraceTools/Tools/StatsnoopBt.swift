import ArgumentParser
import TraceAnalysis
import TraceReport

/// bpftrace's statsnoop.bt (0.17): statfs, statx, stat and lstat rows at return, paths cut by
/// str() to 63 bytes.
public struct StatsnoopBt: RecordingTool {
    public static let toolName = "statsnoop.bt"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace stat() syscalls (bpftrace statsnoop.bt output).")

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["syscall_detail"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let rows = try rec.syscallDetails(ids: rec.ids(Syscalls.statfs, Syscalls.statx, Syscalls.newstat, Syscalls.newlstat))
        out.text("Attaching 10 probes...\nTracing stat syscalls... Hit Ctrl-C to end.\n")
        var b = RowLayout.Builder(.event, "stat")
        b.json("time")
        b.add("pid", header: "%-6s ", "PID", row: "%-6d ")
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.add("err", header: "%3s ", "ERR", row: "%3d ")
        b.add("path", header: "%s", "PATH", row: "%s")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        for e in rows {
            out.row(layout, [.time(e.exitTime), .int(e.pid), .string(e.comm), .int(e.ret >= 0 ? 0 : -e.ret), .string(bpftraceStr(e.path))])
        }
        out.text("\n\n\n")  // exit: blank lines, then @filename, cleared in END
    }
}
