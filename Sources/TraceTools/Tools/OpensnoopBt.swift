import ArgumentParser
import TraceAnalysis

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
        if !common.json {
            out.line("Attaching 6 probes...")
            out.line("Tracing open syscalls... Hit Ctrl-C to end.")
            out.line(left("PID", 6) + " " + left("COMM", 16) + " " + right("FD", 4) + " " + right("ERR", 3) + " PATH")
        }
        for e in rows {
            let ret = e.ret
            let fd = ret >= 0 ? ret : -1, err = ret >= 0 ? 0 : -ret
            if common.json {
                out.write(JSONShapes.event(tool: Self.toolName, [("pid", .int(e.pid)), ("comm", .string(e.comm)), ("fd", .int(fd)), ("err", .int(err)), ("path", .string(bpftraceStr(e.path)))]))
            } else {
                out.line(left(e.pid, 6) + " " + left(e.comm, 16) + " " + right(cInt(fd), 4) + " " + right(cInt(err), 3) + " " + bpftraceStr(e.path))
            }
        }
        if !common.json { out.write("\n\n\n") }  // exit: blank lines, then @filename, cleared in END
    }
}
