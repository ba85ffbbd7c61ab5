import ArgumentParser
import TraceAnalysis
import TraceExpressions
import TraceReport

/// bcc argdist over recorded tracepoints: `-C` counts of expression values, `-H` log2
/// histograms of one, per `t:CATEGORY:EVENT()` probe, printed every -i seconds of the
/// recording as the live tool prints them each second. Expressions are C over `args->FIELD`
/// with `$PID`, `$COMM` and, on a sys_exit_X the syscalls family serves or recorded with its
/// sys_enter_X, `$latency` and `$entry(param)`.
public struct Argdist: RecordingTool {
    public static let toolName = "argdist"
    public static let notes = "t: probes over recorded tracepoints (-e, the irq family, syscalls:sys_exit_X/sys_enter_X from the syscalls family); p:/r:/u: refused (no kprobes, uprobes or USDT in recordings); equal counts sorted by key (the live tool: hash order)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace a function and display a summary of its parameter values.",
        discussion: """
        Probe specifier syntax:
                t:category:event()[:type[,type...]:expr[,expr...][:filter]][#label]
        Where:
                category   -- the category of the kernel tracepoint (e.g. net, sched)
                event      -- the tracepoint name; its fields are args->FIELD
                type -- the type of the expression to collect (u32, int, char*, ...)
                expr -- the expression to collect (C: args->FIELD, $PID, $COMM, and
                              $latency and $entry(param) on syscalls:sys_exit_NAME:
                              from the syscalls family, or from -e sys_enter_NAME
                              and sys_exit_NAME recorded together, paired by thread)
                filter     -- the filter that is applied to collected values
                label      -- the label for this probe in the resulting output

        EXAMPLES:
            bpfan argdist -C 't:irq:irq_handler_entry():int:args->irq' run.trc
                    Aggregate interrupts by interrupt request (IRQ)
            bpfan argdist -H 't:block:block_rq_complete():u32:args->nr_sector' run.trc
                    Histogram of the number of sectors in completing block I/O requests
            bpfan argdist -C 't:syscalls:sys_exit_read():long:args->ret:args->ret<0' \\
                run.trc
                    Count failing reads by error
            bpfan argdist -H 't:syscalls:sys_exit_read():u64:$latency#read ns' run.trc
                    Histogram of read latencies (ns), from the syscalls family
            bpfan argdist -C 't:syscalls:sys_exit_pread64():u64:$entry(count)' run.trc
                    Sizes asked of the preads that returned (bpfrec record
                    -e 'syscalls:sys_*_pread64')
            bpfan argdist -c -i 5 -C \\
                't:signal:signal_generate():int,char*:args->sig,$COMM' run.trc
                    Signals by number and sender, cumulative, every 5 seconds
        """)

    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("id of the process to trace (optional)", valueName: "PID"))
    var pid: Int?
    @Option(name: [.customShort("t", allowingJoined: true), .customLong("tid")], help: ArgumentHelp("id of the thread to trace (optional)", valueName: "TID"))
    var tid: Int?
    @Option(name: [.customShort("z", allowingJoined: true), .customLong("string-size")], help: ArgumentHelp("maximum string size to read from char* arguments", valueName: "STRING_SIZE"))
    var stringSize = 80
    @Option(name: [.customShort("i", allowingJoined: true), .customLong("interval")], help: ArgumentHelp("output interval, in seconds", valueName: "INTERVAL"))
    var interval = 1
    @Option(name: [.customShort("d", allowingJoined: true), .customLong("duration")], help: ArgumentHelp("total duration of trace, in seconds", valueName: "DURATION"))
    var duration: Int?
    @Option(name: [.customShort("n", allowingJoined: true), .customLong("number")], help: ArgumentHelp("number of outputs", valueName: "COUNT"))
    var number: Int?
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "print resulting BPF program code before executing (no program here: ignored)")
    var verbose = false
    @Flag(name: [.customShort("c"), .customLong("cumulative")], help: "do not clear histograms and freq counts at each interval")
    var cumulative = false
    @Option(name: [.customShort("T", allowingJoined: true), .customLong("top")], help: ArgumentHelp("number of top results to show (not applicable to histograms)", valueName: "TOP"))
    var top: Int?
    @Option(name: [.customShort("H", allowingJoined: true), .customLong("histogram")], help: ArgumentHelp("probe specifier to capture histogram of (see examples below)", valueName: "specifier"))
    var histogramSpecifiers: [String] = []
    @Option(name: [.customShort("C", allowingJoined: true), .customLong("count")], help: ArgumentHelp("probe specifier to capture count of (see examples below)", valueName: "specifier"))
    var countSpecifiers: [String] = []
    @Option(name: [.customShort("I", allowingJoined: true), .customLong("include")], help: ArgumentHelp("additional header files (kernel structs are not in recordings: refused)", valueName: "header"))
    var include: [String] = []
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public func validate() throws {
        if interval <= 0 { throw ValidationError("-i: expected a positive number of seconds, got \(interval)") }
        if let duration, duration <= 0 { throw ValidationError("-d: expected a positive number of seconds, got \(duration)") }
        if let number, number <= 0 { throw ValidationError("-n: expected a positive number of outputs, got \(number)") }
        if let top, top < 0 { throw ValidationError("-T: expected a non-negative number, got \(top)") }
        if stringSize <= 0 || stringSize > 4096 { throw ValidationError("-z: expected a string size from 1 to 4096, got \(stringSize)") }
        if !include.isEmpty { throw ValidationError("-I \(include[0]): headers describe kernel structs, whose memory a recording does not hold; use the tracepoint's args->FIELD") }
    }

    public var requiredTables: [String] { [] }
    public var lossFamilies: Set<String> { [] }

    /// A probe bound to the recording: its source, key expressions and filter.
    struct Probe {
        let spec: ArgdistSpecifier
        let input: TracepointProbeInput
        let keys: [CompiledExpression<TracepointRow>]
        let keyTypes: [CType]
        let filter: CompiledExpression<TracepointRow>?
    }

    static let specials: [String: TracepointSpecial] = ["$PID": .tgid, "$COMM": .comm, "$latency": .latency]
    static let refused = [
        "$retval": "only r: probes have a return value, and recordings hold no r: probes; a syscall's is args->ret of t:syscalls:sys_exit_NAME()",
    ]

    func bind(_ spec: ArgdistSpecifier, _ rec: Recording) throws -> Probe {
        let source: TracepointSource
        let usesEntry = (spec.expressions + [spec.filter]).contains { $0.contains("$entry(") }
        do { source = try rec.tracepointSource(spec.tracepoint, entryArguments: usesEntry) } catch let e as AnalysisError {
            throw AnalysisError("error parsing probe '\(spec.raw)': \(e.message)")
        }
        let columns = TracepointColumns()
        let bindings = TracepointBindings(source: source, columns: columns, specials: Self.specials, refused: Self.refused)
        func compile(_ text: String, as type: CType?) throws -> CompiledExpression<TracepointRow> {
            do {
                return try CExpressionCompiler.compile(CExpressionParser.parse(text), bindings, as: type)
            } catch {
                throw AnalysisError("error parsing probe '\(spec.raw)': expression '\(text)': \(error)")
            }
        }
        var keyTypes: [CType] = []
        for t in spec.types {
            guard let type = CType(name: t.trimmingBlanks()) else { throw AnalysisError("error parsing probe '\(spec.raw)': unknown type '\(t)' (integer types such as u32, int, unsigned long, or char*)") }
            keyTypes.append(type)
        }
        let keys = try zip(spec.expressions, keyTypes).map { try compile($0.0, as: $0.1) }
        let filter = spec.filter.trimmingBlanks().isEmpty ? nil : try compile(spec.filter, as: nil)
        return Probe(spec: spec, input: TracepointProbeInput(source: source, columns: columns), keys: keys, keyTypes: keyTypes, filter: filter)
    }

    /// A report every -i seconds: -n of them, or until -d seconds.
    func reports() -> (seconds: Int, count: Int?) {
        var count = number
        if let duration { count = min(count ?? Int.max, (duration + interval - 1) / interval) }
        return (interval, count)
    }

    /// None for the shared note: argdist says itself that its last interval is partial, with
    /// what the live tool would have done.
    public func intervals(numbers: [Int]) -> IntervalRequest? { nil }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        // The live tool creates the -C probes first, then the -H ones, and prints them in that order.
        var specs: [ArgdistSpecifier] = []
        do {
            specs = try countSpecifiers.map { try ArgdistSpecifier($0, kind: .frequency) } + histogramSpecifiers.map { try ArgdistSpecifier($0, kind: .histogram) }
        } catch let e as ArgdistSpecifier.Failure { throw AnalysisError(e.description) }
        if specs.isEmpty { throw AnalysisError("at least one specifier is required") }
        let probes = try specs.map { try bind($0, rec) }
        for note in TracepointSource.coverageNotes(probes.map(\.input.source)) { out.warn("bpfan argdist: \(note)") }
        let families = Set(probes.map { Recording.family(ofTable: $0.input.source.table) })
        if let lost = rec.lossSummary(families: families) {
            out.warn("bpfan argdist: warning: \(lost); counts below are incomplete")
        }

        // One report per interval: -n reports, or until -d seconds, else to the recording's end.
        let reports = reports()
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: reports.seconds, count: reports.count)
        var counts = Array(repeating: Array(repeating: [[CValue]: UInt64](), count: probes.count), count: buckets.bucketCount)
        var hists = Array(repeating: Array(repeating: Log2Histogram(slotCount: 64), count: probes.count), count: buckets.bucketCount)
        let tid = tid.map(Int64.init)
        let tidSlots = probes.map { p in tid.map { _ in p.input.columns.slot("tid") } }
        let size = stringSize
        try rec.scanTracepoints(probes.map(\.input), filter: ScanFilter(pids: pid.map { [Int64($0)] })) { hit in
            guard let i = buckets.index(of: hit.time) else { return }
            let p = probes[hit.probe]
            if let tid, let s = tidSlots[hit.probe], hit.row.batch.ordered[s][hit.row.row] != tid { return }
            if let f = p.filter, !f.isTrue(hit.row) { return }
            switch p.spec.kind {
            case .histogram:
                hists[i][hit.probe].add(UInt64(bitPattern: p.keys[0].integer(hit.row)))
            case .frequency:
                let key = p.keys.map { k -> CValue in
                    guard case .string(let s) = k(hit.row) else { return k(hit.row) }
                    return .string(Array(s.prefix { $0 != 0 }.prefix(size)))
                }
                counts[i][hit.probe][key, default: 0] += 1
            }
        }
        if cumulative {
            for i in buckets.bucketCount > 1 ? 1..<buckets.bucketCount : 1..<1 {
                for p in probes.indices {
                    counts[i][p].merge(counts[i - 1][p], uniquingKeysWith: +)
                    hists[i][p].merge(hists[i - 1][p])
                }
            }
        }
        let last = buckets.bucketCount - 1
        let lastStart = buckets.start &+ Int64(last) * Int64(interval) * 1_000_000_000
        if buckets.reportTime(of: last) < lastStart &+ Int64(interval) * 1_000_000_000 {
            out.warn(printf("bpfan argdist: the last interval is partial: the recording (or --to) covers %.2f s of its %d s; the live tool would not have printed it", .double(Double(buckets.reportTime(of: last) &- lastStart) / 1e9), .int(Int64(interval))))
        }
        render(probes, counts: counts, hists: hists, buckets: buckets, clock: rec.clock, into: &out)
    }

    func render(_ probes: [Probe], counts: [[[[CValue]: UInt64]]], hists: [[Log2Histogram]], buckets: IntervalBuckets, clock: ClockAnchorsView?, into out: inout ToolOutput) {
        // print("\t%-10s %s" % ("COUNT", "EVENT")), then "\t%-10s %s" % (str(count), key).
        var b = RowLayout.Builder(.row, "argdist_count")
        b.json("interval")
        b.json("time")
        b.json("probe")
        b.add("count", header: "\t%-10s ", "COUNT", row: "\t%-10s ")
        b.add("event", header: "%s\n", "EVENT", row: "%s\n")
        let layout = b.layout
        for i in 0..<buckets.bucketCount {
            let time = buckets.reportTime(of: i)
            out.text("[\(clock?.hms(ofMonotonic: time) ?? "??:??:??")]\n")
            for (n, p) in probes.enumerated() {
                switch p.spec.kind {
                case .frequency:
                    out.text(p.spec.title + "\n")
                    out.header(layout)
                    // Ascending by count (ties by key: the live tool's are in hash order); -T keeps the last TOP.
                    var rows = counts[i][n].map { (key: display(p, $0.key), count: $0.value) }.sorted { ($0.count, $0.key) < ($1.count, $1.key) }
                    if let top { rows = Array(rows.suffix(top)) }
                    for r in rows {
                        out.row(layout, [.int(Int64(i)), .time(time), .string(p.spec.title), .string(String(r.count)), .string(r.key)])
                    }
                case .histogram:
                    let label = p.spec.label ?? Self.shown(p.spec.expressions[0])
                    out.histogram(Histogram(.pythonLog2, unit: .count, unitLabel: label,
                                            labels: [("interval", Value(i)), ("time", .time(time)), ("probe", .string(p.spec.title))],
                                            slots: hists[i][n].slots))
                }
            }
        }
    }

    /// An expression as bcc shows it: `$entry(count)` as `count` (its _display_expr undoes
    /// the rewrite to the saved entry value, leaving the parameter's name).
    static func shown(_ expr: String) -> String {
        var out = expr
        while let r = out.range(of: "$entry(") {
            guard let close = out[r.upperBound...].firstIndex(of: ")") else { break }
            out.replaceSubrange(r.lowerBound...close, with: out[r.upperBound..<close])
        }
        return out
    }

    /// bcc's key text: "total calls" without an expression, else `expr = value, ...` with
    /// integers as their C type prints them and strings as Python bytes (`b'bash'`).
    func display(_ p: Probe, _ key: [CValue]) -> String {
        if p.spec.isDefault { return "total calls" }
        return zip(p.spec.expressions.map(Self.shown), zip(key, p.keyTypes)).map { expr, kv in
            let (value, type) = kv
            switch value {
            case .string(let s): return "\(expr) = \(PythonBytes.repr(s))"
            case .int(let v): return "\(expr) = \(type.signed ? String(v) : String(UInt64(bitPattern: v)))"
            }
        }.joined(separator: ", ")
    }
}
