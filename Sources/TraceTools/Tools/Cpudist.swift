import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools cpudist: on-CPU (or, with -O, off-CPU) time per task as log2 histograms,
/// optionally per process or thread, per interval.
public struct Cpudist: RecordingTool {
    public static let toolName = "cpudist"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "-c is refused (not recorded)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize on-CPU time per task as a histogram.",
        discussion: """
        EXAMPLES:
            bpfan cpudist run.trc              # summarize on-CPU time as a histogram
            bpfan cpudist -O run.trc           # summarize off-CPU time as a histogram
            bpfan cpudist run.trc 1 10         # print 1 second summaries, 10 times
            bpfan cpudist -mT run.trc 1        # 1s summaries, milliseconds, and
                                               # timestamps
            bpfan cpudist -P run.trc           # show each PID separately
            bpfan cpudist -p 185 run.trc       # trace PID 185 only
        """)
    public static let numericPositionals = ["interval", "count"]

    @Flag(name: [.customShort("O"), .customLong("offcpu")], help: "Measure off-CPU time")
    var offCPU = false
    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("m"), .customLong("milliseconds")], help: "Millisecond histogram")
    var milliseconds = false
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

    public var requiredTables: [String] { ["sched_switch"] }

    /// The pairing of these flags, after refusing what a recording cannot answer; shared by the
    /// histograms and compare's samples.
    func pairing() throws -> CpuTimePairing {
        if cgroup != nil { throw AnalysisError("-c: recordings carry no cgroup membership; cannot filter by cgroup") }
        // cpudist filters with `targ_tgid != -1`: every other value, 0 included, is a filter.
        return CpuTimePairing(mode: offCPU ? .offCPU : .onCPU, tgid: pid.flatMap { $0 == -1 ? nil : Int64($0) })
    }

    /// The columns the key and its comm read.
    var keyColumns: Set<String> { perProcess ? ["pid", "next_pid", "prev_comm", "next_comm"] : perThread ? ["prev_comm", "next_comm"] : [] }

    /// A span's key: -P wins over -L, as in the BPF program's if/else; -1 for neither.
    @inline(__always) static func key(_ span: CpuTimeTracker.Span, perProcess: Bool, perThread: Bool) -> Int64 {
        perProcess ? span.tgid : perThread ? span.tid : -1
    }

    /// The comm of the task a span belongs to.
    static func comm(_ row: PairRow, _ span: CpuTimeTracker.Span) -> String {
        row.string(span.isPrev ? CpuTimeTracker.Column.prevComm : CpuTimeTracker.Column.nextComm)
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let pairing = try self.pairing()
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd,
                                      intervalSeconds: numbers.first, count: numbers.count > 1 ? numbers[1] : nil)
        let initial = KeyedLog2Report(buckets: buckets, slotCount: 36)
        let divisor: Int64 = milliseconds ? 1_000_000 : 1000
        let perProcess = perProcess, perThread = perThread
        let report = try rec.scanPaired(pairing.sources(reading: keyColumns), initial: { initial },
                                        ops: { pairing.ops($0, &$1) }, matched: { report, row, m in
            guard let span = CpuTimePairing.span(row, m) else { return }
            report.add(row: row, key: Self.key(span, perProcess: perProcess, perThread: perThread), comm: Self.comm(row, span), value: UInt64(span.duration / divisor))
        }, merge: { $0.merge($1) })
        // With both -P and -L the live tool prints both labels (two independent ifs) over each
        // per-process histogram.
        let labels = (perProcess ? ["pid"] : []) + (perThread ? ["tid"] : [])
        report.emit(into: &out, header: "Tracing \(offCPU ? "off" : "on")-CPU time... Hit Ctrl-C to end.", keyLabels: labels,
                    jsonKey: perProcess ? "pid" : perThread ? "tid" : nil, unit: milliseconds ? .ms : .us, unitLabel: milliseconds ? "msecs" : "usecs", timestamp: timestamp)
    }
}
