import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools opensnoop (0.26, the version the reference hosts run): open() and openat() calls
/// as rows, printed when they return.
public struct Opensnoop: RecordingTool {
    public static let toolName = "opensnoop"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "open and openat, like libbpf-tools 0.26; -F cannot resolve relative paths"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace open family syscalls",
        discussion: """
        EXAMPLES:
            bpfan opensnoop run.trc           # trace all open() syscalls
            bpfan opensnoop -T run.trc        # include timestamps
            bpfan opensnoop -U run.trc        # include UID
            bpfan opensnoop -x run.trc        # only show failed opens
            bpfan opensnoop -p 181 run.trc    # only trace PID 181
            bpfan opensnoop -t 123 run.trc    # only trace TID 123
            bpfan opensnoop -u 1000 run.trc   # only trace UID 1000
            bpfan opensnoop -d 10 run.trc     # the first 10 seconds only
            bpfan opensnoop -n main run.trc   # only print process names containing
                                              # "main"
            bpfan opensnoop -e run.trc        # show extended fields
        """)

    @Option(name: [.customShort("d", allowingJoined: true), .customLong("duration")], help: ArgumentHelp("Duration to trace", valueName: "DURATION"))
    var duration: Int?
    @Flag(name: [.customShort("e"), .customLong("extended-fields")], help: "Print extended fields")
    var extended = false
    @Option(name: [.customShort("n", allowingJoined: true), .customLong("name")], help: ArgumentHelp("Trace process names containing this", valueName: "NAME"))
    var name: String?
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int?
    @Option(name: [.customShort("t", allowingJoined: true), .customLong("tid")], help: ArgumentHelp("Thread ID to trace", valueName: "TID"))
    var tid: Int?
    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "Print timestamp")
    var timestamp = false
    @Option(name: [.customShort("u", allowingJoined: true), .customLong("uid")], help: ArgumentHelp("User ID to trace", valueName: "UID"))
    var uid: Int?
    @Flag(name: [.customShort("U"), .customLong("print-uid")], help: "Print UID")
    var printUID = false
    @Flag(name: [.customShort("x"), .customLong("failed")], help: "Failed opens only")
    var failed = false
    @Flag(name: [.customShort("F"), .customLong("full-path")], help: "Show full path (bcc): absolute paths only; the recording has no working directories to resolve relative ones")
    var fullPath = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public func validate() throws {
        if let duration, duration < 1 { throw ValidationError("Invalid duration: \(duration)") }
        if let pid, pid < 1 { throw ValidationError("Invalid PID: \(pid)") }
        if let tid, tid < 1 { throw ValidationError("Invalid TID: \(tid)") }
        if let uid, uid < 0 || uid >= Int(UInt32.max) { throw ValidationError("Invalid UID \(uid)") }
    }

    public var requiredTables: [String] { ["syscall_detail"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let rows = try rec.syscallDetails(ids: rec.ids(Syscalls.open, Syscalls.openat), filter: ScanFilter(pids: pid.map { [Int64($0)] }))
        let end = rec.durationEnd(duration)
        let openIDs = rec.ids(Syscalls.open)  // once: resolving a name walks the whole table
        var relative = 0
        // opensnoop.c's header and print_event(), piece by piece.
        var b = RowLayout.Builder(.event, "open")
        b.add("time", .hms, header: "%-8s ", "TIME", row: "%-8s ", shown: timestamp)
        b.add("uid", header: "%-7s ", "UID", row: "%-7d ", shown: printUID)
        b.add("pid", header: "%-6s ", "PID", row: "%-6d ")
        b.json("tid")
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.add("fd", header: "%3s ", "FD", row: "%3d ")
        b.add("err", header: "%3s ", "ERR", row: "%3d ")
        b.add("flags", header: "%-8s ", "FLAGS", row: "%08o ", shown: extended)
        b.add("path", header: "%s", "PATH", row: "%s")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        for e in rows where e.exitTime < end {
            if let tid, e.tid != Int64(tid) { continue }
            if let uid, e.uid != Int64(uid) { continue }
            let ret = cInt(e.ret)
            if failed && ret >= 0 { continue }
            if let name, !e.comm.contains(name) { continue }
            let fd = ret >= 0 ? ret : -1, err = ret >= 0 ? 0 : -ret
            let flags = cInt(openIDs.contains(e.id) ? e.args[1] : e.args[2])
            if fullPath && !e.path.hasPrefix("/") { relative += 1 }
            out.row(layout, [.time(e.exitTime), .int(e.uid), .int(e.pid), .int(e.tid), .string(e.comm), .int(fd), .int(err), .int(flags), .string(cString(e.path, buffer: nameMax))])
        }
        if relative > 0 {
            out.warn("bpfan opensnoop: -F: \(relative) relative path(s) printed as recorded: the recording has no working directories to resolve them")
        }
    }
}
