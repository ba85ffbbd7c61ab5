import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools runqslower: one row per switch-in whose run-queue wait exceeded min_us, with
/// the task switched out (-P).
public struct Runqslower: RecordingTool {
    public static let toolName = "runqslower"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace high run queue latency.",
        discussion: """
        EXAMPLES:
            bpfan runqslower run.trc         # trace latency higher than 10000 us
                                             # (default)
            bpfan runqslower run.trc 1000    # trace latency higher than 1000 us
            bpfan runqslower -p 123 run.trc  # trace pid 123
            bpfan runqslower -t 123 run.trc  # trace tid 123 (use for threads only)
            bpfan runqslower -P run.trc      # also show previous task name and TID
        """)
    public static let numericPositionals = ["min_us"]

    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("Process PID to trace", valueName: "PID"))
    var pid: Int32?
    @Option(name: [.customShort("t", allowingJoined: true), .customLong("tid")], help: ArgumentHelp("Thread TID to trace", valueName: "TID"))
    var tid: Int32?
    @Flag(name: [.customShort("P"), .customLong("previous")], help: "also show previous task name and TID")
    var previous = false
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose debug output (no effect)")
    var verbose = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, then the live tool's [min_us] (default 10000).", valueName: "recording [min_us]"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["sched_switch", "sched_wakeup", "sched_wakeup_new"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if let pid, pid <= 0 { throw AnalysisError("Invalid PID: \(pid)") }
        if let tid, tid <= 0 { throw AnalysisError("Invalid TID: \(tid)") }
        let minUs = Int64(numbers.first ?? 10000)
        // runqslower.bpf.c: `if (min_us && delta_us <= min_us) return 0;` comes before the
        // delete, so a short wait leaves its stamp behind.
        let pairing = RunQueuePairing(rule: .taskStateRunning, tgid: pid.map(Int64.init), tid: tid.map(Int64.init), keepWithinMicros: minUs > 0 ? minUs : nil)
        out.text("Tracing run queue latency higher than \(minUs) us\n")
        // runqslower.c's header and handle_event().
        var b = RowLayout.Builder(.event, "runq")
        b.add("time", .hms, header: "%-8s ", "TIME", row: "%-8s ")
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.add("tid", header: "%-6s ", "TID", row: "%-6d ")
        b.add("latency", .divided(1000), header: "%14s", "LAT(us)", row: "%14d")
        b.add("prev_comm", header: " %-16s", "PREV COMM", row: " %-16s", shown: previous)
        b.add("prev_tid", header: " %-6s", "PREV TID", row: " %-6d", shown: previous)
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        // Rows with their place in time: matches reach the fold out of order.
        let rows = try rec.scanPaired(pairing.sources(reading: ["next_comm", "prev_comm"]), initial: { [(ts: Int64, order: UInt64, values: [Value])]() },
                                      ops: { pairing.ops($0, &$1) }, matched: { rows, row, m in
            guard let latency = RunQueuePairing.latency(row, m), latency / 1000 > minUs else { return }
            typealias C = RunQueueTracker.SwitchColumn
            rows.append((row.ts, row.order, [.time(row.ts), .string(row.string(C.nextComm)), .int(row.int(C.nextTid)), .duration(latency),
                                             .string(row.string(C.prevComm)), .int(row.int(C.tid))]))
        }, merge: { $0 += $1 })
        for r in rows.sorted(by: { ($0.ts, $0.order) < ($1.ts, $1.order) }) { out.row(layout, r.values) }
    }
}
