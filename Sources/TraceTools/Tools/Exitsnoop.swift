import ArgumentParser
import Foundation
import TraceAnalysis

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
    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int?
    @Flag(name: [.customShort("T"), .customLong("threaded")], help: "Trace by thread.")
    var threaded = false
    @Option(name: [.customShort("c"), .customLong("cgroup")], help: ArgumentHelp("Trace process in cgroup path (not recorded: refused)", valueName: "CG"))
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
        try rec.scan("process_exit", columns: ["ts", "pid", "tid", "ppid", "comm", "exit_code", "start_time"], filter: ScanFilter(pids: pid.map { [Int64($0)] })) { b in
            let ts = b.ints("ts"), p = b.ints("pid"), t = b.ints("tid"), pp = b.ints("ppid"), code = b.ints("exit_code"), st = b.ints("start_time")
            let comm = b.blobs("comm")
            for r in 0..<b.count { exits.append(Exit(ts: ts[r], pid: p[r], tid: t[r], ppid: pp[r], code: code[r], start: st[r], comm: comm.string(r))) }
        }
        exits.sort { ($0.ts, $0.tid) < ($1.ts, $1.tid) }
        if !common.json {
            out.line((timestamp ? left("TIME(s)", 8) + " " : "") + left("PCOMM", 16) + " " + left("PID", 7) + " " + left("PPID", 7) + " "
                     + left("TID", 7) + " " + left("AGE(s)", 7) + " EXIT_CODE")
        }
        for e in exits {
            if !threaded && e.pid != e.tid { continue }
            let status = cInt(e.code)
            if failed && status == 0 { continue }
            let sig = status & 0xff, code = status >> 8
            let age = Double(e.ts &- e.start) / 1e9
            var what: String
            if sig == 0 {
                what = code == 0 ? "0" : "code \(code)"
            } else {
                what = ""
                if sig & 0x7f != 0 { what += "signal \(sig & 0x7f) (\(Self.signalDescription(Int32(sig & 0x7f))))" }
                if sig & 0x80 != 0 { what += ", core dumped" }
            }
            if common.json {
                out.write(JSONShapes.event(tool: Self.toolName, [
                    ("time", .string(rec.hms(e.ts))), ("ts", .int(e.ts)), ("comm", .string(e.comm)), ("pid", .int(e.pid)), ("ppid", .int(e.ppid)),
                    ("tid", .int(e.tid)), ("age_s", .double(age)), ("exit_code", .int(code)), ("signal", .int(sig & 0x7f)), ("core_dumped", .bool(sig & 0x80 != 0)),
                ]))
                continue
            }
            let time = timestamp ? right(rec.hms(e.ts), 8) + " " : ""
            out.line(time + left(e.comm, 16) + " " + left(e.pid, 7) + " " + left(e.ppid, 7) + " " + left(e.tid, 7) + " "
                     + left(String(format: "%.2f", age), 7) + " " + what)
        }
    }

    /// strsignal(3) in the C locale, as the live tool prints it.
    static func signalDescription(_ sig: Int32) -> String {
        guard let p = strsignal(sig) else { return "Unknown signal \(sig)" }
        return String(cString: p)
    }
}
