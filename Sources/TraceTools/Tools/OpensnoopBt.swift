import ArgumentParser
import TraceAnalysis
import TraceReport

/// bpftrace's opensnoop.bt (0.17): open/openat rows at return, paths cut by str() to 63 bytes.
public struct OpensnoopBt: RecordingTool {
    public static let toolName = "opensnoop.bt"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace open() syscalls (bpftrace opensnoop.bt output).")

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["syscall_detail"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let rows = try rec.syscallDetails(ids: rec.ids(Syscalls.open, Syscalls.openat))
        out.text("Attaching 6 probes...\nTracing open syscalls... Hit Ctrl-C to end.\n")
        var b = RowLayout.Builder(.event, "open")
        b.json("time")
        b.add("pid", header: "%-6s ", "PID", row: "%-6d ")
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.add("fd", header: "%4s ", "FD", row: "%4d ")
        b.add("err", header: "%3s ", "ERR", row: "%3d ")
        b.add("path", header: "%s", "PATH", row: "%s")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        for e in rows {
            let ret = e.ret
            let fd = ret >= 0 ? ret : -1, err = ret >= 0 ? 0 : -ret
            out.row(layout, [.time(e.exitTime), .int(e.pid), .string(e.comm), .int(fd), .int(err), .string(bpftraceStr(e.path))])
        }
        out.text("\n\n\n")  // exit: blank lines, then @filename, cleared in END
    }
}
