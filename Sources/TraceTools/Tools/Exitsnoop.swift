import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// libbpf-tools exitsnoop (0.26): process (with -T, thread) exits with age and exit status.
public struct Exitsnoop: RecordingTool {
    public static let toolName = "exitsnoop"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace process termination.",
        discussion: """
        EXAMPLES:
            bpfan exitsnoop run.trc             # trace process exit events
            bpfan exitsnoop -t run.trc          # include timestamps
            bpfan exitsnoop -x run.trc          # trace error exits only
            bpfan exitsnoop -p 1216 run.trc     # only trace PID 1216
            bpfan exitsnoop -T run.trc          # trace by thread
        """)

    @Flag(name: [.customShort("t"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("x"), .customLong("failed")], help: "Trace error exits only.")
    var failed = false
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int?
    @Flag(name: [.customShort("T"), .customLong("threaded")], help: "Trace by thread.")
    var threaded = false
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("cgroup")], help: ArgumentHelp("Trace process in cgroup path (not recorded: refused)", valueName: "CG"))
    var cgroup: String?
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public func validate() throws {
        if let pid, pid < 1 { throw ValidationError("Invalid PID: \(pid)") }
    }

    public var requiredTables: [String] { ["process_exit"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if cgroup != nil { throw AnalysisError("-c: recordings carry no cgroup membership; cannot filter by cgroup") }
        struct Exit { var ts, pid, tid, ppid, code, start: Int64; var comm: String }
        var exits: [Exit] = []
        try rec.scanBatches(ProcessExitRow.self, reading: [\.pid, \.tid, \.ppid, \.comm, \.exitCode, \.startTime], filter: ScanFilter(pids: pid.map { [Int64($0)] })) { b in
            let ts = b[\ProcessExitRow.ts], p = b[\ProcessExitRow.pid], t = b[\ProcessExitRow.tid], pp = b[\ProcessExitRow.ppid], code = b[\ProcessExitRow.exitCode], st = b[\ProcessExitRow.startTime]
            let comm = b[\ProcessExitRow.comm]
            for r in 0..<b.count { exits.append(Exit(ts: ts[r], pid: p[r], tid: t[r], ppid: pp[r], code: code[r], start: st[r], comm: comm.string(r))) }
        }
        exits.sort { ($0.ts, $0.tid) < ($1.ts, $1.tid) }
        // exitsnoop.c's header and handle_event().
        var b = RowLayout.Builder(.event, "exit")
        b.add("time", .hms, header: "%-8s ", "TIME(s)", row: "%8s ", shown: timestamp)
        b.add("comm", header: "%-16s ", "PCOMM", row: "%-16s ")
        b.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        b.add("ppid", header: "%-7s ", "PPID", row: "%-7d ")
        b.add("tid", header: "%-7s ", "TID", row: "%-7d ")
        b.add("age", .scaled(1e9), header: "%-7s ", "AGE(s)", row: "%-7.2f ")
        b.add("exit_text", header: "%s", "EXIT_CODE", row: "%s", inJSON: false)
        b.json("exit_code")
        b.json("signal")
        b.json("core_dumped")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        for e in exits {
            if !threaded && e.pid != e.tid { continue }
            let status = cInt(e.code)
            if failed && status == 0 { continue }
            let sig = status & 0xff, code = status >> 8
            var what: String
            if sig == 0 {
                what = code == 0 ? "0" : "code \(code)"
            } else {
                what = ""
                if sig & 0x7f != 0 { what += "signal \(sig & 0x7f) (\(Self.signalDescription(Int32(sig & 0x7f))))" }
                if sig & 0x80 != 0 { what += ", core dumped" }
            }
            out.row(layout, [.time(e.ts), .string(e.comm), .int(e.pid), .int(e.ppid), .int(e.tid), .duration(e.ts &- e.start), .string(what),
                             .int(code), .int(sig & 0x7f), .bool(sig & 0x80 != 0)])
        }
    }

    /// strsignal(3) in the C locale, as the live tool prints it.
    static func signalDescription(_ sig: Int32) -> String {
        guard let p = strsignal(sig) else { return "Unknown signal \(sig)" }
        return String(cString: p)
    }
}
