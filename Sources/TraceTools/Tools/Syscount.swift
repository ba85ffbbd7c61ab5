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
            for nr in rec.syscallNames.keys.sorted() { out.line(pad3(nr) + ": " + rec.syscallNames[nr]!) }
            return
        }
        let wantErrno = errnoFilter.flatMap(ErrnoNames.parse)
        var end = rec.effectiveEnd
        if let duration { end = min(end, rec.effectiveStart + Int64(duration) * 1_000_000_000) }
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: end, intervalSeconds: interval > 0 ? interval : nil, count: nil)
        var stats = Array(repeating: [Int64: Stat](), count: buckets.bucketCount)
        var tracker = ProcessTracker()
        let trackerCount = ProcessTracker.sources.count
        let sources = (byProcess ? ProcessTracker.sources : []) + [ScanSource("syscall", ["ts", "pid", "tid", "id", "ret", "duration"])]
        let syscallSource = sources.count - 1
        let filter = ScanFilter(pids: pid.map { [Int64($0)] })
        try rec.scanMerged(sources, filter: filter) { row in
            let b = row.batch, r = row.row
            if row.source != syscallSource {
                if row.source < trackerCount { tracker.apply(source: row.source, batch: b, row: r) }
                return
            }
            let id = b.ints("id")[r]
            if id == -1 { return }
            let ret = b.ints("ret")[r]
            if failures && ret >= 0 { return }
            if let wantErrno, ret != -Int64(wantErrno) { return }
            let dur = b.ints("duration")[r]
            // Counted at sys_exit, so the exit time decides the interval.
            guard let i = buckets.index(of: row.ts &+ dur) else { return }
            let p = b.ints("pid")[r]
            let key = byProcess ? p : id
            var s = stats[i][key] ?? Stat()
            s.count += 1
            if latency { s.totalNs &+= UInt64(bitPattern: dur) }
            if byProcess { s.comm = tracker.comm(p) ?? s.comm }
            stats[i][key] = s
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
                out.line(pad(aggName, 22) + " " + padLeft("COUNT", 8) + " " + padLeft(milliseconds ? "TIME (ms)" : "TIME (us)", 16))
            } else {
                out.line(pad(aggName, 22) + " " + padLeft("COUNT", 8))
            }
            for (key, s) in sorted(perKey).prefix(top) {
                let agg = byProcess ? pad(String(key), 6) + " " + pad(s.comm, 15) : name(key, rec)
                var line = pad(agg, 22) + " " + pad(String(s.count), 8, left: true)
                if latency { line += " " + padLeft(formatFixed3(Double(s.totalNs) / (milliseconds ? 1_000_000.0 : 1000.0)), 16) }
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

func pad(_ s: String, _ w: Int, left: Bool = false) -> String { left ? BccHistogramPrinter.padLeft(s, w) : BccHistogramPrinter.pad(s, w) }
func padLeft(_ s: String, _ w: Int) -> String { BccHistogramPrinter.padLeft(s, w) }
func pad3(_ n: Int) -> String { padLeft(String(n), 3) }
/// printf("%.3f"), through the C formatter so rounding matches the live tool's.
func formatFixed3(_ v: Double) -> String { String(format: "%.3f", v) }
