import ArgumentParser
import TraceAnalysis

/// libbpf-tools opensnoop (0.26, the version the reference hosts run): open() and openat() calls
/// as rows, printed when they return.
public struct Opensnoop: RecordingTool {
    public static let toolName = "opensnoop"
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
            bpfan opensnoop -n main run.trc   # only print process names containing "main"
            bpfan opensnoop -e run.trc        # show extended fields
        """)

    @Option(name: [.customShort("d"), .customLong("duration")], help: ArgumentHelp("Duration to trace", valueName: "DURATION"))
    var duration: Int?
    @Flag(name: [.customShort("e"), .customLong("extended-fields")], help: "Print extended fields")
    var extended = false
    @Option(name: [.customShort("n"), .customLong("name")], help: ArgumentHelp("Trace process names containing this", valueName: "NAME"))
    var name: String?
    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int?
    @Option(name: [.customShort("t"), .customLong("tid")], help: ArgumentHelp("Thread ID to trace", valueName: "TID"))
    var tid: Int?
    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "Print timestamp")
    var timestamp = false
    @Option(name: [.customShort("u"), .customLong("uid")], help: ArgumentHelp("User ID to trace", valueName: "UID"))
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
        if !common.json {
            var header = ""
            if timestamp { header += left("TIME", 8) + " " }
            if printUID { header += left("UID", 7) + " " }
            header += left("PID", 6) + " " + left("COMM", 16) + " " + right("FD", 3) + " " + right("ERR", 3) + " "
            if extended { header += left("FLAGS", 8) + " " }
            out.line(header + "PATH")
        }
        for e in rows where e.exitTime < end {
            if let tid, e.tid != Int64(tid) { continue }
            if let uid, e.uid != Int64(uid) { continue }
            let ret = cInt(e.ret)
            if failed && ret >= 0 { continue }
            if let name, !e.comm.contains(name) { continue }
            let fd = ret >= 0 ? ret : -1, err = ret >= 0 ? 0 : -ret
            let flags = cInt(openIDs.contains(e.id) ? e.args[1] : e.args[2])
            if fullPath && !e.path.hasPrefix("/") { relative += 1 }
            if common.json {
                out.write(JSONShapes.event(tool: Self.toolName, [
                    ("time", .string(rec.hms(e.exitTime))), ("ts", .int(e.exitTime)), ("uid", .int(e.uid)), ("pid", .int(e.pid)), ("tid", .int(e.tid)),
                    ("comm", .string(e.comm)), ("fd", .int(fd)), ("err", .int(err)), ("flags", .int(flags)), ("path", .string(e.path)),
                ]))
                continue
            }
            var line = ""
            if timestamp { line += left(rec.hms(e.exitTime), 8) + " " }
            if printUID { line += left(e.uid, 7) + " " }
            line += left(e.pid, 6) + " " + left(e.comm, 16) + " " + right(fd, 3) + " " + right(err, 3) + " "
            if extended { line += octal8(UInt32(truncatingIfNeeded: flags)) + " " }
            out.line(line + e.path)
        }
        if relative > 0 {
            out.warn("bpfan opensnoop: -F: \(relative) relative path(s) printed as recorded: the recording has no working directories to resolve them")
        }
    }
}

/// printf("%08o").
func octal8(_ v: UInt32) -> String {
    let s = String(v, radix: 8)
    return s.count >= 8 ? s : String(repeating: "0", count: 8 - s.count) + s
}
