import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// libbpf-tools statsnoop (0.26): statfs, stat, lstat, statx and newfstatat calls as rows.
public struct Statsnoop: RecordingTool {
    public static let toolName = "statsnoop"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "the live libbpf-tools 0.26 statsnoop prints no rows on 6.x syscall tracepoints (fixed upstream, bcc #4920); bpfan prints what the fixed tool does"
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

    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
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
        var b = RowLayout.Builder(.event, "stat")
        b.json("time")
        b.add("time_s", header: "%-14s ", "TIME(s)", row: "%-14.9f ", shown: timestamp, inJSON: false)
        b.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        b.add("comm", header: "%-20s ", "COMM", row: "%-20s ")
        b.add("ret", header: "%-4s ", "RET", row: "%-4d ")
        b.add("err", header: "%-4s ", "ERR", row: "%-4d ")
        b.add("path", header: "%s", "PATH", row: "%s")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        var clock = FirstEventClock(tickNanoseconds: 1)
        for e in rows {
            let ret = cInt(e.ret)
            if failed && ret >= 0 { continue }
            let fd = ret >= 0 ? ret : -1, err = ret >= 0 ? 0 : -ret
            out.row(layout, [.time(e.exitTime), .double(clock.seconds(at: e.exitTime)), .int(e.pid), .string(e.comm), .int(fd), .int(err), .string(cString(e.path, buffer: nameMax))])
        }
    }
}
