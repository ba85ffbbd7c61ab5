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
    public static let notes = "without -k needs signal:signal_generate (bpfrec record --families signal); COMM of tasks started while recording needs the proc family"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace standard and real-time signals.",
        discussion: """
        EXAMPLES:
            bpfan sigsnoop run.trc          # trace all signals (recorded with
                                            # --families signal)
            bpfan sigsnoop -x run.trc       # trace failed signals only
            bpfan sigsnoop -k run.trc       # trace signals issued by kill syscall only
            bpfan sigsnoop -p 1216 run.trc  # only trace PID 1216
            bpfan sigsnoop -s 9 run.trc     # only trace signal 9
        """)

    @OptionGroup var options: SignalSnoopOptions
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    static let generate = "signal:signal_generate"
    public var requiredTables: [String] { options.killOnly ? ["syscall_detail"] : [Self.generate] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if options.killOnly { try options.render(rec, tool: Self.toolName, into: &out) } else { try renderGenerated(rec, into: &out) }
    }

    /// sig_trace(): every signal_generate, the current task as sender (pid, comm), the
    /// tracepoint's pid as TPID and its errno as RESULT; -x keeps those with errno != 0.
    func renderGenerated(_ rec: Recording, into out: inout ToolOutput) throws {
        let o = options
        if !rec.hasTable("process_fork") {
            out.warn("bpfan sigsnoop: the recording has no proc family: COMM of tasks started while recording is unknown (shown empty)")
        }
        let layout = o.layout
        out.header(layout)
        var tasks = ProcessTracker(for: rec)
        let sources = ProcessTracker.sources + [ScanSource(Self.generate, ["ts", "pid", "tid", "sig", "errno", "arg_pid"])]
        try rec.scanMerged(sources) { m in
            guard m.source == sources.count - 1 else { tasks.apply(source: m.source, batch: m.batch, row: m.row); return }
            let pid = m.int(1), sig = m.int(3), ret = m.int(4)
            if o.failed && ret == 0 { return }
            if let signal = o.signal, sig != Int64(signal) { return }
            if let p = o.pid, pid != Int64(p) { return }
            out.row(layout, [.time(m.ts), .int(pid), .string(tasks.comm(m.int(2)) ?? ""), .int(sig), .string(o.sigText(sig)), .int(m.int(5)), .int(ret)])
        }
    }
}

struct SignalSnoopOptions: ParsableArguments {
    @Flag(name: [.customShort("x"), .customLong("failed")], help: "Trace failed signals only.")
    var failed = false
    @Flag(name: [.customShort("k"), .customLong("kill")], help: "Trace signals issued by kill syscall only.")
    var killOnly = false
    @Flag(name: [.customShort("n"), .customLong("name")], help: "Output signal name instead of signal number.")
    var signalName = false
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int?
    @Option(name: [.customShort("s", allowingJoined: true), .customLong("signal")], help: ArgumentHelp("Signal to trace.", valueName: "SIGNAL"))
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
        let layout = self.layout
        out.header(layout)
        for e in rows {
            let tgkill = tgkillIDs.contains(e.id)
            let tpid = cInt(tgkill ? e.args[1] : e.args[0]), sig = cInt(tgkill ? e.args[2] : e.args[1])
            if let signal, sig != Int64(signal) { continue }
            let ret = cInt(e.ret)
            if failed && ret >= 0 { continue }
            out.row(layout, [.time(e.exitTime), .int(e.pid), .string(e.comm), .int(sig), .string(sigText(sig)), .int(tpid), .int(ret)])
        }
    }

    func sigText(_ sig: Int64) -> String {
        signalName && sig >= 0 && sig < Int64(Self.names.count) ? Self.names[Int(sig)] : String(sig)
    }

    /// sigsnoop.c's header and handle_event().
    var layout: RowLayout {
        var b = RowLayout.Builder(.event, "signal")
        b.add("time", .hms, header: "%-8s ", "TIME", row: "%-8s ")
        b.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.json("sig")
        b.add("sig_text", header: "%-9s ", "SIG", row: "%-9s ", inJSON: false)
        b.add("tpid", header: "%-7s ", "TPID", row: "%-7d ")
        b.add("result", header: "%-6s", "RESULT", row: "%-6d")
        b.literal(header: "\n", row: "\n")
        return b.layout
    }
}
