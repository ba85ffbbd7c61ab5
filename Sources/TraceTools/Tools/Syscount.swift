import ArgumentParser
import Foundation
import TraceAnalysis

/// libbpf-tools syscount: syscalls counted (and with -L timed) by syscall or by process, top N,
/// once at the end or every -i seconds of recording time.
public struct Syscount: RecordingTool {
    public static let toolName = "syscount"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize syscall counts and latencies.",
        discussion: """
        EXAMPLES:
            bpfan syscount run.trc             # print top 10 syscalls by count every second
            bpfan syscount -p 1234 run.trc     # only syscalls of PID 1234
            bpfan syscount -i 5 run.trc        # print top 10 every 5 seconds of recording time
            bpfan syscount -d 10 run.trc       # only the first 10 seconds
            bpfan syscount -L run.trc          # measure syscall latency
            bpfan syscount -P run.trc          # count by process, not syscall
            bpfan syscount -x -e ENOENT run.trc # failed syscalls with ENOENT only
        """)

    @Option(name: [.customShort("c"), .customLong("cgroup")], help: ArgumentHelp("Trace process in cgroup path (not recorded: refused)", valueName: "CG"))
    var cgroup: String?
    @Option(name: [.customShort("d"), .customLong("duration")], help: ArgumentHelp("Total tracing duration (seconds)", valueName: "DURATION"))
    var duration: Int?
    @Option(name: [.customShort("e"), .customLong("errno")], help: ArgumentHelp("Trace only syscalls that return this error (numeric or EPERM, etc.)", valueName: "ERRNO"))
    var errnoFilter: String?
    @Option(name: [.customShort("i"), .customLong("interval")], help: ArgumentHelp("Print summary at this interval (seconds), 0 for infinite wait (default)", valueName: "INTERVAL"))
    var interval: Int = 0
    @Flag(name: [.customShort("l"), .customLong("list")], help: "Print list of recognized syscalls and exit")
    var list = false
    @Flag(name: [.customShort("L"), .customLong("latency")], help: "Collect syscall latency")
    var latency = false
    @Flag(name: [.customShort("m"), .customLong("milliseconds")], help: "Display latency in milliseconds (default: microseconds)")
    var milliseconds = false
    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Process PID to trace", valueName: "PID"))
    var pid: Int?
    @Flag(name: [.customShort("P"), .customLong("process")], help: "Count by process and not by syscall")
    var byProcess = false
    @Option(name: [.customShort("T"), .customLong("top")], help: ArgumentHelp("Print only the top syscalls (default 10)", valueName: "TOP"))
    var top: Int = 10
    @Flag(name: [.customShort("x"), .customLong("failures")], help: "Trace only failed syscalls")
    var failures = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public func validate() throws {
        if top < 1 { throw ValidationError("invalid TOP: \(top)") }
        if interval < 0 { throw ValidationError("invalid INTERVAL: \(interval)") }
        if let duration, duration < 1 { throw ValidationError("invalid DURATION: \(duration)") }
        if let pid, pid < 1 { throw ValidationError("invalid PID: \(pid)") }
        if let e = errnoFilter, ErrnoNames.parse(e) == nil { throw ValidationError("invalid errno: \(e)") }
    }

    public var requiredTables: [String] { list ? [] : ["syscall"] }

    struct Stat { var count: UInt64 = 0; var totalNs: UInt64 = 0; var comm = "" }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if cgroup != nil { throw AnalysisError("-c: recordings carry no cgroup membership; cannot filter by cgroup") }
        if list {
            for nr in rec.syscallNames.keys.sorted() { out.line(right(String(nr), 3) + ": " + rec.syscallNames[nr]!) }
            return
        }
        let wantErrno = errnoFilter.flatMap(ErrnoNames.parse)
        var end = rec.effectiveEnd
        if let duration { end = min(end, rec.effectiveStart + Int64(duration) * 1_000_000_000) }
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: end, intervalSeconds: interval > 0 ? interval : nil, count: nil)
        var stats = Array(repeating: [Int64: Stat](), count: buckets.bucketCount)
        // Flags copied out of their property wrappers: read once per row otherwise.
        let byProcess = byProcess, latency = latency, failures = failures
        // rt_sigreturn restores the interrupted registers, orig_ax = -1 included, so its
        // sys_exit reports id -1 and the live tool (which keys on the exit's id and drops -1)
        // never counts it. The recording keeps the id from sys_enter: drop it here.
        let sigreturn = rec.syscallIDs(named: ["rt_sigreturn"], x86_64: [15])
        let filter = ScanFilter(pids: pid.map { [Int64($0)] })
        func count(_ i: Int, key: Int64, dur: Int64, comm: String?) {
            var s = stats[i][key] ?? Stat()
            s.count += 1
            if latency { s.totalNs &+= UInt64(bitPattern: dur) }
            if let comm { s.comm = comm }
            stats[i][key] = s
        }
        func keep(id: Int64, ret: Int64) -> Bool {
            if id == -1 || sigreturn.contains(id) { return false }
            if failures && ret >= 0 { return false }
            if let wantErrno, ret != -Int64(wantErrno) { return false }
            return true
        }
        if byProcess {
            // Names need process state at the time of each call: a time-ordered merge.
            var tracker = ProcessTracker()
            let sources = ProcessTracker.sources + [ScanSource("syscall", ["ts", "pid", "tid", "id", "ret", "duration"])]
            let syscallSource = sources.count - 1
            try rec.scanMerged(sources, filter: filter) { row in
                guard row.source == syscallSource else {
                    tracker.apply(source: row.source, batch: row.batch, row: row.row)
                    return
                }
                guard keep(id: row.int(3), ret: row.int(4)), let i = buckets.index(of: row.ts &+ row.int(5)) else { return }
                let p = row.int(1)
                count(i, key: p, dur: row.int(5), comm: tracker.comm(p))
            }
        } else {
            // Counting by syscall needs no order: batches in file order, columns hoisted.
            try rec.scan("syscall", columns: ["ts", "id", "ret", "duration"], filter: filter) { b in
                let ts = b.ordered[0], id = b.ordered[1], ret = b.ordered[2], dur = b.ordered[3]
                for r in 0..<b.count {
                    // Counted at sys_exit, so the exit time decides the interval.
                    guard keep(id: id[r], ret: ret[r]), let i = buckets.index(of: ts[r] &+ dur[r]) else { continue }
                    count(i, key: id[r], dur: dur[r], comm: nil)
                }
            }
        }
        if common.json {
            var rows: [[JSONText]] = []
            for (i, perKey) in stats.enumerated() {
                for (key, s) in sorted(perKey).prefix(top) {
                    var row: [JSONText] = [.int(Int64(i)), .string(rec.clock?.hms(ofMonotonic: buckets.reportTime(of: i)) ?? "")]
                    row += byProcess ? [.int(key), .string(s.comm)] : [.string(name(key, rec))]
                    row.append(.int(Int64(s.count)))
                    if latency { row.append(.double(Double(s.totalNs) / (milliseconds ? 1e6 : 1e3))) }
                    rows.append(row)
                }
            }
            let cols = ["interval", "time"] + (byProcess ? ["pid", "comm"] : ["syscall"]) + ["count"] + (latency ? [milliseconds ? "time_ms" : "time_us"] : [])
            out.write(JSONShapes.table(tool: Self.toolName, columns: cols, rows: rows))
            return
        }
        out.line("Tracing syscalls, printing top \(top)... Ctrl+C to quit.")
        for (i, perKey) in stats.enumerated() where !perKey.isEmpty {
            out.line("[" + (rec.clock?.hms(ofMonotonic: buckets.reportTime(of: i)) ?? "??:??:??") + "]")
            let aggName = byProcess ? "PID    COMM" : "SYSCALL"
            if latency {
                out.line(left(aggName, 22) + " " + right("COUNT", 8) + " " + right(milliseconds ? "TIME (ms)" : "TIME (us)", 16))
            } else {
                out.line(left(aggName, 22) + " " + right("COUNT", 8))
            }
            for (key, s) in sorted(perKey).prefix(top) {
                let agg = byProcess ? left(key, 6) + " " + left(s.comm, 15) : name(key, rec)
                var line = left(agg, 22) + " " + right(String(s.count), 8)
                if latency { line += " " + right(String(format: "%.3f", Double(s.totalNs) / (milliseconds ? 1_000_000.0 : 1000.0)), 16) }
                out.line(line)
            }
            out.line()
        }
    }

    /// Descending by count (or total time with -L); ties by key so the order is reproducible.
    func sorted(_ perKey: [Int64: Stat]) -> [(Int64, Stat)] {
        perKey.sorted { a, b in
            let x = latency ? a.value.totalNs : a.value.count, y = latency ? b.value.totalNs : b.value.count
            return x != y ? x > y : a.key < b.key
        }
    }

    func name(_ id: Int64, _ rec: Recording) -> String { rec.syscallNames[Int(id)] ?? "[unknown: \(id)]" }
}
