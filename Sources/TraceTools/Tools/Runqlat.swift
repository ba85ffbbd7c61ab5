import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools runqlat: run-queue (scheduler) latency as log2 histograms, from wakeup (or
/// preemption) to switch-in, optionally per process or thread, per interval.
public struct Runqlat: RecordingTool {
    public static let toolName = "runqlat"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "--pidnss and -c are refused (not recorded)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize run queue (scheduler) latency as a histogram.",
        discussion: """
        EXAMPLES:
            bpfan runqlat run.trc         # summarize run queue latency as a histogram
            bpfan runqlat run.trc 1 10    # print 1 second summaries, 10 times
            bpfan runqlat -mT run.trc 1   # 1s summaries, milliseconds, and timestamps
            bpfan runqlat -P run.trc      # show each PID separately
            bpfan runqlat -p 185 run.trc  # trace PID 185 only
        """)
    public static let numericPositionals = ["interval", "count"]

    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("m"), .customLong("milliseconds")], help: "Millisecond histogram")
    var milliseconds = false
    @Flag(name: .customLong("pidnss"), help: "Print a histogram per PID namespace (not recorded: refused)")
    var perPidns = false
    @Flag(name: [.customShort("P"), .customLong("pids")], help: "Print a histogram per process ID")
    var perProcess = false
    @Flag(name: [.customShort("L"), .customLong("tids")], help: "Print a histogram per thread ID")
    var perThread = false
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("Trace this PID only", valueName: "PID"))
    var pid: Int32?
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("cgroup")], help: ArgumentHelp("Trace process in cgroup path (not recorded: refused)", valueName: "CG"))
    var cgroup: String?
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose debug output (no effect)")
    var verbose = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, then the live tool's [interval] [count] (recording time).", valueName: "recording [interval] [count]"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["sched_switch", "sched_wakeup", "sched_wakeup_new"] }

    /// The pairing of these flags, after refusing what a recording cannot answer; shared by the
    /// histograms and compare's samples.
    func pairing() throws -> RunQueuePairing {
        if [perThread, perProcess, perPidns].filter({ $0 }).count > 1 { throw AnalysisError("pidnss, pids, tids cann't be used together.") }
        if perPidns { throw AnalysisError("--pidnss: recordings carry no PID namespace of the woken tasks; cannot group by PID namespace") }
        if cgroup != nil { throw AnalysisError("-c: recordings carry no cgroup membership; cannot filter by cgroup") }
        // runqlat's -p 0 means "no filter" (targ_tgid is tested for non-zero).
        return RunQueuePairing(rule: .taskStateRunning, tgid: pid.flatMap { $0 == 0 ? nil : Int64($0) })
    }

    /// The columns the key and its comm read.
    var keyColumns: Set<String> { perProcess ? ["next_pid", "next_comm"] : perThread ? ["next_comm"] : [] }

    /// The key of a switch-in: its pid (-P), tid (-L), or -1.
    @inline(__always) static func key(_ row: PairRow, perProcess: Bool, perThread: Bool) -> Int64 {
        typealias C = RunQueueTracker.SwitchColumn
        return perProcess ? row.int(C.nextPid) : perThread ? row.int(C.nextTid) : -1
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let pairing = try self.pairing()
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd,
                                      intervalSeconds: numbers.first, count: numbers.count > 1 ? numbers[1] : nil)
        let initial = KeyedLog2Report(buckets: buckets, slotCount: 26)
        let divisor: Int64 = milliseconds ? 1_000_000 : 1000
        // Flags copied out of their property wrappers (read per row otherwise).
        let perProcess = perProcess, perThread = perThread
        let report = try rec.scanPaired(pairing.sources(reading: keyColumns), initial: { initial }, ops: { pairing.ops($0, &$1) }, matched: { report, row, m in
            guard let latency = RunQueuePairing.latency(row, m) else { return }
            report.add(row: row, key: Self.key(row, perProcess: perProcess, perThread: perThread), comm: row.string(RunQueueTracker.SwitchColumn.nextComm),
                       value: UInt64(latency / divisor))
        }, merge: { $0.merge($1) })
        let label: String? = perProcess ? "pid" : perThread ? "tid" : nil
        report.emit(into: &out, header: "Tracing run queue latency... Hit Ctrl-C to end.", keyLabels: label.map { [$0] } ?? [], jsonKey: label,
                    unit: milliseconds ? .ms : .us, unitLabel: milliseconds ? "msecs" : "usecs", timestamp: timestamp)
    }
}
