import ArgumentParser
import TraceAnalysis

/// libbpf-tools killsnoop (0.26; sigsnoop run under the name killsnoop): kill(), tkill() and
/// tgkill() calls as rows, printed when they return.
public struct Killsnoop: RecordingTool {
    public static let toolName = "killsnoop"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace standard and real-time signals.",
        discussion: """
        EXAMPLES:
            bpfan killsnoop run.trc             # trace signals issued by kill syscall
            bpfan killsnoop -x run.trc          # trace failed signals only
            bpfan killsnoop -p 1216 run.trc     # only trace PID 1216
            bpfan killsnoop -s 9 run.trc        # only trace signal 9
        """)

    @OptionGroup var options: SignalSnoopOptions
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["syscall_detail"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        try options.render(rec, tool: Self.toolName, json: common.json, into: &out)
    }
}

/// libbpf-tools sigsnoop. Without -k it traces the signal_generate tracepoint, which recordings
/// do not hold, so only `-k` (the kill-syscall view, identical to killsnoop) is answered.
public struct Sigsnoop: RecordingTool {
    public static let toolName = "sigsnoop"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace standard and real-time signals (only -k: signals sent by the kill syscalls).")

    @OptionGroup var options: SignalSnoopOptions
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["syscall_detail"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        guard options.killOnly else {
            throw AnalysisError("without -k sigsnoop traces signal:signal_generate, which bpfrec does not record; use -k (signals sent by kill, tkill, tgkill)")
        }
        try options.render(rec, tool: Self.toolName, json: common.json, into: &out)
    }
}

struct SignalSnoopOptions: ParsableArguments {
    @Flag(name: [.customShort("x"), .customLong("failed")], help: "Trace failed signals only.")
    var failed = false
    @Flag(name: [.customShort("k"), .customLong("kill")], help: "Trace signals issued by kill syscall only.")
    var killOnly = false
    @Flag(name: [.customShort("n"), .customLong("name")], help: "Output signal name instead of signal number.")
    var signalName = false
    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int?
    @Option(name: [.customShort("s"), .customLong("signal")], help: ArgumentHelp("Signal to trace.", valueName: "SIGNAL"))
    var signal: Int?

    func validate() throws {
        if let pid, pid < 1 { throw ValidationError("Invalid PID: \(pid)") }
        if let signal, signal < 1 || signal > 64 { throw ValidationError("Invalid signal: \(signal)") }
    }

    static let names = ["N/A", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
                        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
                        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"]

    func render(_ rec: Recording, tool: String, json: Bool, into out: inout ToolOutput) throws {
        let rows = try rec.syscallDetails(ids: rec.ids(Syscalls.kill, Syscalls.tkill, Syscalls.tgkill), filter: ScanFilter(pids: pid.map { [Int64($0)] }))
        let tgkillIDs = rec.ids(Syscalls.tgkill)  // once: resolving a name walks the whole table
        if !json {
            out.line(left("TIME", 8) + " " + left("PID", 7) + " " + left("COMM", 16) + " " + left("SIG", 9) + " " + left("TPID", 7) + " " + left("RESULT", 6))
        }
        for e in rows {
            let tgkill = tgkillIDs.contains(e.id)
            let tpid = cInt(tgkill ? e.args[1] : e.args[0]), sig = cInt(tgkill ? e.args[2] : e.args[1])
            if let signal, sig != Int64(signal) { continue }
            let ret = cInt(e.ret)
            if failed && ret >= 0 { continue }
            if json {
                out.write(JSONShapes.event(tool: tool, [("time", .string(rec.hms(e.exitTime))), ("ts", .int(e.exitTime)), ("pid", .int(e.pid)), ("comm", .string(e.comm)),
                                                        ("sig", .int(sig)), ("tpid", .int(tpid)), ("result", .int(ret))]))
                continue
            }
            let sigText = signalName && sig >= 0 && sig < Int64(Self.names.count) ? Self.names[Int(sig)] : String(sig)
            out.line(left(rec.hms(e.exitTime), 8) + " " + left(e.pid, 7) + " " + left(e.comm, 16) + " " + left(sigText, 9) + " "
                     + left(tpid, 7) + " " + left(ret, 6))
        }
    }
}
