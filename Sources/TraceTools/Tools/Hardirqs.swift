import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools hardirqs (0.26): time in hard irq handlers by handler name (action->name),
/// summed, as log2 histograms with -d, or entries counted with -C, from the irq family's
/// irq_handler_entry / exit rows. As the live tool: one start stamp per CPU (0 before the CPU's
/// first entry), an exit keyed by its own handler's name, names sorted here (the live tool
/// prints its hash map's order).
public struct Hardirqs: RecordingTool {
    public static let toolName = "hardirqs"
    public static let notes = "handlers printed by name (the live tool: hash-map order); -c refused (no cgroups recorded)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize hard irq event time as histograms.",
        discussion: """
        EXAMPLES:
            bpfan hardirqs run.trc            # sum hard irq event time
            bpfan hardirqs -d run.trc         # show hard irq event time as histograms
            bpfan hardirqs 1 10 run.trc       # print 1 second summaries, 10 times
            bpfan hardirqs -NT 1 run.trc      # 1s summaries, nanoseconds, and
                                              # timestamps
            bpfan hardirqs -C run.trc         # count hard irq events
        """)

    @Flag(name: [.customShort("C"), .customLong("count")], help: "Show event counts instead of timing")
    var count = false
    @Flag(name: [.customShort("d"), .customLong("distributed")], help: "Show distributions as histograms")
    var distributed = false
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("cgroup")], help: ArgumentHelp("Trace process in cgroup path (not recorded: refused)", valueName: "CG"))
    var cgroup: String?
    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("N"), .customLong("nanoseconds")], help: "Output in nanoseconds")
    var nanoseconds = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("[interval] [count] and the recording.", valueName: "interval count recording"))
    public var positionals: [String] = []

    public init() {}

    public static let numericPositionals = ["interval", "count"]
    public var requiredTables: [String] { count ? [IrqHandlerEntryRow.table] : [IrqHandlerEntryRow.table, IrqHandlerExitRow.table] }

    public func validate() throws {
        if count && distributed { throw ValidationError("count, distributed cann't be used together.") }
    }

    /// Each handler run in time order, shared by the summary and compare's samples: its name,
    /// exit time and time in the handler (ns), `stamped` false for an exit before any entry on
    /// its CPU (measured from a zero stamp, as the live tool does); with -C each entry, 0 ns.
    /// Returns how many exits were unstamped.
    func handlerRuns(_ rec: Recording, _ each: (_ name: String, _ ts: Int64, _ ns: UInt64, _ stamped: Bool) -> Void) throws -> Int {
        if cgroup != nil { throw AnalysisError("-c: recordings carry no cgroup membership; cannot filter by cgroup") }
        var stamps = PerCPUStamp()
        var sources = [ScanSource(IrqHandlerEntryRow.self, reading: [\.cpu, \.name])]
        if !count { sources.append(ScanSource(IrqHandlerExitRow.self, reading: [\.cpu, \.name])) }
        let count = count
        try rec.scanMerged(sources) { m in
            if m.source == 0 {
                let row = IrqHandlerEntryRow(m)
                if count { each(row.name, m.ts, 0, true) } else { stamps.stamp(cpu: row.cpu, at: m.ts) }
                return
            }
            let row = IrqHandlerExitRow(m)
            let before = stamps.unstamped
            let ns = stamps.elapsed(cpu: row.cpu, at: m.ts, divisor: 1)
            each(row.name, m.ts, ns, stamps.unstamped == before)
        }
        return stamps.unstamped
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: numbers.first, count: numbers.count > 1 ? numbers[1] : nil)
        var totals = Array(repeating: [String: UInt64](), count: buckets.bucketCount)
        var hists = Array(repeating: [String: Log2Histogram](), count: buckets.bucketCount)
        let divisor: UInt64 = nanoseconds ? 1 : 1000
        let count = count, distributed = distributed
        let unstamped = try handlerRuns(rec) { name, ts, ns, _ in
            guard let i = buckets.index(of: ts) else { return }
            if count { totals[i][name, default: 0] &+= 1; return }
            let delta = ns / divisor
            if distributed { hists[i][name, default: Log2Histogram(slotCount: 20)].add(delta) } else { totals[i][name, default: 0] &+= delta }
        }
        if unstamped > 0 {
            out.warn("bpfan hardirqs: \(unstamped) handler exit(s) came before any entry on their CPU (one running when the window starts); the live tool counts them from a zero stamp, and so does this output")
        }
        let units = nanoseconds ? "nsecs" : "usecs"
        out.text(count ? "Tracing hard irq events... Hit Ctrl-C to end.\n" : "Tracing hard irq event time... Hit Ctrl-C to end.\n")
        // print_map(): printf("%-26s %11s\n", "HARDIRQ", "TOTAL_count") with -C, else
        // printf("%-26s %6s%5s\n", "HARDIRQ", "TOTAL_", units); rows "%-26s %11llu\n".
        var b = RowLayout.Builder(.row, count ? "hardirq_count" : "hardirq_time")
        b.json("interval")
        b.json("time")
        b.add("hardirq", header: "%-26s ", "HARDIRQ", row: "%-26s ")
        if count {
            b.add("count", header: "%11s\n", "TOTAL_count", row: "%11llu\n")
        } else {
            b.add("total", header: "%6s", "TOTAL_", row: "%11llu\n")
            b.literal(header: printf("%5s\n", .string(units)), row: "")
        }
        let layout = b.layout
        for i in 0..<buckets.bucketCount {
            out.text("\n")
            let time = buckets.reportTime(of: i)
            if timestamp { out.text(printf("%-8s\n", .string(rec.clock?.hms(ofMonotonic: time) ?? "??:??:??"))) }
            if !distributed {
                out.header(layout)
                for (name, total) in totals[i].sorted(by: { $0.key < $1.key }) {
                    out.row(layout, [.int(Int64(i)), .time(time), .string(name), .uint(total)])
                }
                continue
            }
            for (name, hist) in hists[i].sorted(by: { $0.key < $1.key }) {
                out.histogram(Histogram(.log2, unit: nanoseconds ? .ns : .us, unitLabel: units,
                                        labels: [("interval", Value(i)), ("time", .time(time)), ("hardirq", .string(name))],
                                        heading: printf("hardirq = %s\n", .string(name)), slots: hist.slots))
            }
        }
    }
}
