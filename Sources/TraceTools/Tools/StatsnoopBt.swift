import ArgumentParser
import TraceAnalysis

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
        if !common.json {
            out.line("Attaching 10 probes...")
            out.line("Tracing stat syscalls... Hit Ctrl-C to end.")
            out.line(left("PID", 6) + " " + left("COMM", 16) + " " + right("ERR", 3) + " PATH")
        }
        for e in rows {
            let err = e.ret >= 0 ? 0 : -e.ret
            if common.json {
                out.write(JSONShapes.event(tool: Self.toolName, [("pid", .int(e.pid)), ("comm", .string(e.comm)), ("err", .int(err)), ("path", .string(bpftraceStr(e.path)))]))
            } else {
                out.line(left(e.pid, 6) + " " + left(e.comm, 16) + " " + right(err, 3) + " " + bpftraceStr(e.path))
            }
        }
        if !common.json { out.write("\n\n\n") }  // exit: blank lines, then @filename, cleared in END
    }
}
