import ArgumentParser
import TraceAnalysis
import TraceReport

/// bcc shmsnoop: shmget, shmat, shmdt and shmctl calls, printed when they return, with their
/// arguments as the live tool decodes them.
public struct Shmsnoop: RecordingTool {
    public static let toolName = "shmsnoop"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace shm*() syscalls",
        discussion: """
        EXAMPLES:
            bpfan shmsnoop run.trc           # trace all shm*() syscalls
            bpfan shmsnoop -T run.trc        # include timestamps
            bpfan shmsnoop -p 181 run.trc    # only trace PID 181
            bpfan shmsnoop -t 123 run.trc    # only trace TID 123
            bpfan shmsnoop -d 10 run.trc     # the first 10 seconds only
            bpfan shmsnoop -n main run.trc   # only print process names containing
                                             # "main"
        """)

    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "include timestamp on output")
    var timestamp = false
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("trace this PID only", valueName: "PID"))
    var pid: Int64?
    @Option(name: [.customShort("t", allowingJoined: true), .customLong("tid")], help: ArgumentHelp("trace this TID only", valueName: "TID"))
    var tid: Int64?
    @Option(name: [.customShort("d", allowingJoined: true), .customLong("duration")], help: ArgumentHelp("total duration of trace in seconds", valueName: "DURATION"))
    var duration: Int?
    @Option(name: [.customShort("n", allowingJoined: true), .customLong("name")], help: ArgumentHelp("only print process names containing this name", valueName: "NAME"))
    var name: String?
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["syscall_detail"] }

    static let shmgetFlags: [(String, UInt64)] = [("IPC_CREAT", 0o1000), ("IPC_EXCL", 0o2000), ("SHM_HUGETLB", 0o4000), ("SHM_HUGE_2MB", 21 << 26),
                                                  ("SHM_HUGE_1GB", 30 << 26), ("SHM_NORESERVE", 0o10000), ("SHM_EXEC", 0o100000)]
    static let shmatFlags: [(String, UInt64)] = [("SHM_RDONLY", 0o10000), ("SHM_RND", 0o20000), ("SHM_REMAP", 0o40000), ("SHM_EXEC", 0o100000)]

    static let shmctlCommands: [UInt64: String] = [0: "IPC_RMID", 1: "IPC_SET", 2: "IPC_STAT", 3: "IPC_INFO", 11: "SHM_LOCK", 12: "SHM_UNLOCK",
                                                   13: "SHM_STAT", 14: "SHM_INFO", 15: "SHM_STAT_ANY"]

    /// shmctl_cmd(): the command's name, or its value in hex.
    static func command(_ cmd: UInt64) -> String { shmctlCommands[cmd] ?? "0x" + String(cmd, radix: 16) }

    /// shmflg_str(): `0x%x`, then the names of the set flags and the octal rest in parentheses.
    /// Python 3's filter() is lazy and sees `val` as the loop clears it, so a flag whose bits an
    /// earlier one took is not named again.
    static func flags(_ value: UInt64, _ table: [(String, UInt64)]) -> String {
        var s = "0x" + String(value, radix: 16)
        guard value != 0 else { return s }
        var val = value, names: [String] = []
        for (n, bits) in table where bits & val != 0 {
            names.append(n)
            val &= ~bits
        }
        if val != 0 || names.isEmpty { names.append("0" + String(val, radix: 8)) }
        s += " (" + names.joined(separator: "|") + ")"
        return s
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let get = rec.ids(Syscalls.shmget), at = rec.ids(Syscalls.shmat), dt = rec.ids(Syscalls.shmdt), ctl = rec.ids(Syscalls.shmctl)
        let end = rec.durationEnd(duration)
        var b = RowLayout.Builder(.event, "shm")
        b.json("time")
        b.add("time_s", header: "%-14s", "TIME(s)", row: "%-14.9f", shown: timestamp, inJSON: false)
        b.add(tid != nil ? "tid" : "pid", header: "%-6s ", tid != nil ? "TID" : "PID", row: "%-6d ")
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.add("sys", header: "%6s ", "SYS", row: "%6s ")
        b.add("ret", header: "%16s ", "RET", row: "%16lx ")
        b.add("args_text", header: "%s", "ARGs", row: "%s", inJSON: false)
        b.json("args")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        var clock = FirstEventClock()
        let calls = try rec.syscallDetails(ids: get.union(at).union(dt).union(ctl)).sorted { ($0.exitTime, $0.tid) < ($1.exitTime, $1.tid) }
        for e in calls where e.exitTime < end {
            // -t trumps -p; both filter in the BPF program, before the first timestamp is kept.
            if let tid { if e.tid != tid { continue } } else if let pid, e.pid != pid { continue }
            let seconds = clock.seconds(at: e.exitTime)
            if let name, !e.comm.contains(name) { continue }
            let a = e.args
            let sys: String, text: String, args: [UInt64]
            if get.contains(e.id) {
                (sys, args) = ("SHMGET", [a[0], a[1], a[2]])
                text = "key: 0x\(String(a[0], radix: 16)), size: \(a[1]), shmflg: \(Self.flags(a[2], Self.shmgetFlags))"
            } else if at.contains(e.id) {
                (sys, args) = ("SHMAT", [a[0], a[1], a[2]])
                text = "shmid: 0x\(String(a[0], radix: 16)), shmaddr: 0x\(String(a[1], radix: 16)), shmflg: \(Self.flags(a[2], Self.shmatFlags))"
            } else if dt.contains(e.id) {
                (sys, args) = ("SHMDT", [a[0]])
                text = "shmaddr: 0x\(String(a[0], radix: 16))"
            } else {
                (sys, args) = ("SHMCTL", [a[0], a[1], a[2]])
                text = "shmid: 0x\(String(a[0], radix: 16)), cmd: \(a[1]) (\(Self.command(a[1]))), buf: 0x\(String(a[2], radix: 16))"
            }
            out.row(layout, [.time(e.exitTime), .double(seconds), .int(tid != nil ? e.tid : e.pid), .string(e.comm), .string(sys),
                             .uint(UInt64(bitPattern: e.ret)), .string(text), .list(args.map { .uint($0) })])
        }
    }
}
