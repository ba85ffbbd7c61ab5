import ArgumentParser
import TraceAnalysis
import TraceReport

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
        try options.render(rec, tool: Self.toolName, into: &out)
    }
}

/// libbpf-tools sigsnoop. Without -k it traces the signal_generate tracepoint, which recordings
/// do not hold, so only `-k` (the kill-syscall view, identical to killsnoop) is answered.
public struct Sigsnoop: RecordingTool {
    public static let toolName = "sigsnoop"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "only -k: signal_generate is not recorded"
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
        try options.render(rec, tool: Self.toolName, into: &out)
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

    func render(_ rec: Recording, tool: String, into out: inout ToolOutput) throws {
        let rows = try rec.syscallDetails(ids: rec.ids(Syscalls.kill, Syscalls.tkill, Syscalls.tgkill), filter: ScanFilter(pids: pid.map { [Int64($0)] }))
        let tgkillIDs = rec.ids(Syscalls.tgkill)  // once: resolving a name walks the whole table
        // sigsnoop.c's header and handle_event().
        var b = RowLayout.Builder(.event, "signal")
        b.add("time", .hms, header: "%-8s ", "TIME", row: "%-8s ")
        b.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.json("sig")
        b.add("sig_text", header: "%-9s ", "SIG", row: "%-9s ", inJSON: false)
        b.add("tpid", header: "%-7s ", "TPID", row: "%-7d ")
        b.add("result", header: "%-6s", "RESULT", row: "%-6d")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        for e in rows {
            let tgkill = tgkillIDs.contains(e.id)
            let tpid = cInt(tgkill ? e.args[1] : e.args[0]), sig = cInt(tgkill ? e.args[2] : e.args[1])
            if let signal, sig != Int64(signal) { continue }
            let ret = cInt(e.ret)
            if failed && ret >= 0 { continue }
            let sigText = signalName && sig >= 0 && sig < Int64(Self.names.count) ? Self.names[Int(sig)] : String(sig)
            out.row(layout, [.time(e.exitTime), .int(e.pid), .string(e.comm), .int(sig), .string(sigText), .int(tpid), .int(ret)])
        }
    }
}
