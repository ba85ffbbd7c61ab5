import ArgumentParser
import TraceAnalysis

/// libbpf-tools runqslower: one row per switch-in whose run-queue wait exceeded min_us, with
/// the task switched out (-P).
public struct Runqslower: RecordingTool {
    public static let toolName = "runqslower"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace high run queue latency.",
        discussion: """
        EXAMPLES:
            bpfan runqslower run.trc         # trace latency higher than 10000 us (default)
            bpfan runqslower run.trc 1000    # trace latency higher than 1000 us
            bpfan runqslower -p 123 run.trc  # trace pid 123
            bpfan runqslower -t 123 run.trc  # trace tid 123 (use for threads only)
            bpfan runqslower -P run.trc      # also show previous task name and TID
        """)
    public static let numericPositionals = ["min_us"]

    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Process PID to trace", valueName: "PID"))
    var pid: Int32?
    @Option(name: [.customShort("t"), .customLong("tid")], help: ArgumentHelp("Thread TID to trace", valueName: "TID"))
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
        if !common.json {
            out.line("Tracing run queue latency higher than \(minUs) us")
            var header = left("TIME", 8) + " " + left("COMM", 16) + " " + left("TID", 6) + " " + right("LAT(us)", 14)
            if previous { header += " " + left("PREV COMM", 16) + " " + left("PREV TID", 6) }
            out.line(header)
        }
        let json = common.json, previous = previous
        // Lines with their row's place in time: matches reach the fold out of order.
        let lines = try rec.scanPaired(pairing.sources(reading: ["next_comm", "prev_comm"]), initial: { [(ts: Int64, order: UInt64, text: String)]() },
                                       ops: { pairing.ops($0, &$1) }, matched: { lines, row, m in
            guard let latency = RunQueuePairing.latency(row, m) else { return }
            let latencyUs = latency / 1000
            guard latencyUs > minUs else { return }
            typealias C = RunQueueTracker.SwitchColumn
            let time = rec.clock?.hms(ofMonotonic: row.ts) ?? "??:??:??"
            let comm = row.string(C.nextComm), prevComm = row.string(C.prevComm), prevTid = row.int(C.tid), tid = row.int(C.nextTid)
            if json {
                var fields: [(String, JSONText)] = [("time", .string(time)), ("comm", .string(comm)), ("tid", .int(tid)), ("lat_us", .int(latencyUs))]
                if previous { fields += [("prev_comm", .string(prevComm)), ("prev_tid", .int(prevTid))] }
                lines.append((row.ts, row.order, JSONShapes.event(tool: Self.toolName, fields)))
                return
            }
            var line = left(time, 8) + " " + left(comm, 16) + " " + left(String(tid), 6) + " " + right(String(latencyUs), 14)
            if previous { line += " " + left(prevComm, 16) + " " + left(String(prevTid), 6) }
            lines.append((row.ts, row.order, line + "\n"))
        }, merge: { $0 += $1 })
        for l in lines.sorted(by: { ($0.ts, $0.order) < ($1.ts, $1.order) }) { out.write(l.text) }
    }
}
