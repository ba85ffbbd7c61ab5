import ArgumentParser
import Foundation
import TraceAnalysis

/// libbpf-tools statsnoop (0.26): statfs, stat, lstat, statx and newfstatat calls as rows.
public struct Statsnoop: RecordingTool {
    public static let toolName = "statsnoop"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace stat syscalls.",
        discussion: """
        EXAMPLES:
            bpfan statsnoop run.trc           # trace all stat syscalls
            bpfan statsnoop -t run.trc        # include timestamps
            bpfan statsnoop -x run.trc        # only show failed stats
            bpfan statsnoop -p 1216 run.trc   # only trace PID 1216
        """)

    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int?
    @Flag(name: [.customShort("t"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("x"), .customLong("failed")], help: "Only show failed stats")
    var failed = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public func validate() throws {
        if let pid, pid < 1 { throw ValidationError("Invalid PID: \(pid)") }
    }

    public var requiredTables: [String] { ["syscall_detail"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let ids = rec.ids(Syscalls.statfs, Syscalls.newstat, Syscalls.statx, Syscalls.newfstatat, Syscalls.newlstat)
        let rows = try rec.syscallDetails(ids: ids, filter: ScanFilter(pids: pid.map { [Int64($0)] }))
        if !common.json {
            out.line((timestamp ? left("TIME(s)", 14) + " " : "") + left("PID", 7) + " " + left("COMM", 20) + " " + left("RET", 4) + " " + left("ERR", 4) + " PATH")
        }
        var first: Int64?
        for e in rows {
            let ret = cInt(e.ret)
            if failed && ret >= 0 { continue }
            let fd = ret >= 0 ? ret : -1, err = ret >= 0 ? 0 : -ret
            // Timestamps count from the first event the tool printed.
            if first == nil { first = e.exitTime }
            let rel = Double(e.exitTime &- first!) / 1e9
            if common.json {
                out.write(JSONShapes.event(tool: Self.toolName, [("time_s", .double(rel)), ("pid", .int(e.pid)), ("comm", .string(e.comm)),
                                                                 ("ret", .int(fd)), ("err", .int(err)), ("path", .string(e.path))]))
                continue
            }
            out.line((timestamp ? left(String(format: "%.9f", rel), 14) + " " : "") + left(e.pid, 7) + " " + left(e.comm, 20) + " "
                     + left(fd, 4) + " " + left(err, 4) + " " + e.path)
        }
    }
}
