import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// bcc funccount for tracepoints (`t:SUBSYS:EVENT`, globs or -r regex): hits per tracepoint
/// over the recording, or per -i interval, sorted by count as the live tool prints them. The
/// recording answers for the tracepoints it recorded generically (-e) and those a family
/// records every hit of (the irq family); kernel functions (kprobes) and USDT probes are not in
/// recordings.
public struct Funccount: RecordingTool {
    public static let toolName = "funccount"
    public static let notes = "t: patterns over tracepoints recorded with -e; kernel-function and USDT patterns are refused (no kprobes, no uprobes in recordings)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Count functions, tracepoints, and USDT probes",
        discussion: """
        EXAMPLES:
            bpfan funccount 't:irq:*' run.trc          # count every recorded irq
                                                       # tracepoint
            bpfan funccount -r 't:^sched:.*' run.trc   # same idea, with a regular
                                                       # expression
            bpfan funccount -Ti 5 't:irq:*' run.trc    # output every 5 seconds, with
                                                       # timestamps
            bpfan funccount -d 10 't:irq:*' run.trc    # the first 10 seconds only
            bpfan funccount -p 185 't:signal:*' run.trc   # events of PID 185 only
            bpfan funccount -c 1 't:irq:*' run.trc     # events on CPU 1 only
        """)

    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("trace this PID only", valueName: "PID"))
    var pid: Int?
    @Option(name: [.customShort("i", allowingJoined: true), .customLong("interval")], help: ArgumentHelp("summary interval, seconds", valueName: "INTERVAL"))
    var interval: Int?
    @Option(name: [.customShort("d", allowingJoined: true), .customLong("duration")], help: ArgumentHelp("total duration of trace, seconds", valueName: "DURATION"))
    var duration: Int?
    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("r"), .customLong("regexp")], help: "use regular expressions. Default is \"*\" wildcards only.")
    var regexp = false
    @Flag(name: [.customShort("D"), .customLong("debug")], help: "print BPF program before starting (no program here: ignored)")
    var debug = false
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("cpu")], help: ArgumentHelp("trace this CPU only", valueName: "CPU"))
    var cpu: Int?
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The search expression for events (t:SUBSYS:EVENT), then the recording.", valueName: "pattern recording"))
    public var positionals: [String] = []

    public init() {}

    public static var textPositionals: [String] { ["pattern"] }

    public func validate() throws {
        if let interval, interval <= 0 { throw ValidationError("-i: expected a positive number of seconds, got \(interval)") }
        if let duration, duration <= 0 { throw ValidationError("-d: expected a positive number of seconds, got \(duration)") }
    }

    /// The tracepoints the pattern selects among those the recording holds, or why none can be.
    /// `recorded`: the matching tracepoints the recording counts, by the table holding them.
    func events(_ rec: Recording) throws -> (recorded: [String: String], unrecorded: [String], catalog: Bool) {
        guard let pattern = texts.first else { throw AnalysisError("missing the pattern (t:SUBSYS:EVENT) before the recording") }
        let match = try TracepointProbe.parse(pattern, regex: regexp)
        let countable = rec.countableTracepoints
        let recorded = countable.filter { match.matches($0.key) }
        let (formats, whole) = try rec.tracepointFormats()
        let catalog = formats.keys.filter(match.matches)
        let unrecorded = catalog.filter { recorded[$0] == nil }.sorted()
        // verify_limit(): the live tool refuses more than 1000 probes.
        if recorded.count + unrecorded.count > 1000 { throw AnalysisError("maximum of 1000 probes allowed, attempted \(recorded.count + unrecorded.count)") }
        return (recorded, unrecorded, whole)
    }

    public var requiredTables: [String] { [] }
    public var lossFamilies: Set<String> { [Recording.tracepointsFamily] }

    /// -i INTERVAL reports every INTERVAL (until -d), -d alone once after DURATION.
    public func intervals(numbers: [Int]) -> IntervalRequest? {
        guard let step = interval ?? duration else { return nil }
        return IntervalRequest(seconds: step, count: duration.map { max(1, $0 / step) })
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let (recorded, unrecorded, catalog) = try events(rec)
        if !catalog {
            out.warn("bpfan funccount: this recording keeps no catalog of the host's tracepoints (one made with -e does): matching tracepoints it did not record are not known, nor counted in the banner")
        }
        if recorded.isEmpty {
            let hint = unrecorded.isEmpty ? "" : " (the host has \(unrecorded.count) matching, e.g. \(unrecorded[0]): record them with -e)"
            throw AnalysisError("'\(texts[0])' matches no tracepoint this recording holds\(hint)")
        }
        if !unrecorded.isEmpty {
            out.warn("bpfan funccount: \(unrecorded.count) matching tracepoint(s) of the recording host were not recorded and are not counted: \(unrecorded.prefix(5).joined(separator: ", "))\(unrecorded.count > 5 ? ", ..." : "") (record them with -e)")
        }
        if let lost = rec.lossSummary(families: Set(recorded.values.map(Recording.family(ofTable:)))) {
            out.warn("bpfan funccount: warning: \(lost); counts below are incomplete")
        }
        // -d alone reports once, after DURATION; -i every INTERVAL (until -d).
        let reports = intervals(numbers: numbers)
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: reports?.seconds, count: reports?.count)
        var counts = Array(repeating: [String: Int64](), count: buckets.bucketCount)
        let filter = ScanFilter(pids: pid.map { [Int64($0)] }, values: cpu.map { ["cpu": [Int64($0)]] } ?? [:])
        for (event, table) in recorded {
            try rec.scan(table, columns: ["ts"], filter: filter) { b in
                for t in b.ints("ts") { if let i = buckets.index(of: t) { counts[i][event, default: 0] += 1 } }
            }
        }
        // The live tool (bcc 0.26 on Python 3) prints the pattern with "%s" % bytes(pattern):
        // b'...' is what its users see. The count is of every matching tracepoint it attaches to.
        out.text("Tracing \(recorded.count + unrecorded.count) functions for \"\(PythonBytes.repr(Array(texts[0].utf8)))\"... Hit Ctrl-C to end.\n")
        // print("%-36s %8s" % ("FUNC", "COUNT")), then "%-36s %8d" per probe by ascending count.
        var b = RowLayout.Builder(.row, "tracepoint_count")
        b.json("interval")
        b.add("func", header: "%-36s ", "FUNC", row: "%-36s ")
        b.add("count", header: "%8s\n", "COUNT", row: "%8d\n")
        let layout = b.layout
        for (i, perEvent) in counts.enumerated() {
            out.text("\n")
            if timestamp, let clock = rec.clock { out.text(printf("%-8s\n", .string(clock.hms(ofMonotonic: buckets.reportTime(of: i))))) }
            out.header(layout)
            for (name, n) in perEvent.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) }) where n > 0 {
                out.row(layout, [.int(Int64(i)), .string(name), .int(n)])
            }
        }
        out.text("Detaching...\n")
    }
}
