import ArgumentParser
import TraceAnalysis
import TraceExpressions
import TraceReport

/// bcc trace over recorded tracepoints: a line per event of each `t:CATEGORY:EVENT` probe that
/// passes its predicate, with the probe's printf message, in time order across probes, as
/// the live tool prints them (PID TID COMM FUNC, -t/-T/-C columns, -n/-f filters, -M, -A).
public struct Trace: RecordingTool {
    public static let toolName = "trace"
    public static let notes = "t: probes over recorded tracepoints (-e, the irq family, syscalls:sys_enter_X/sys_exit_X from the syscalls family); p:/r:/u: refused (no kprobes, uprobes or USDT in recordings); -K/-U from stacks recorded with --stack-events; --uid and -c refused (not recorded per event)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Attach to functions and print trace messages.",
        discussion: """
        Probe syntax (the recording serves tracepoints):
                t:category:event [(predicate)] ["format string"[, arguments]]
        The predicate and arguments are C expressions over args->FIELD and $pid (thread id),
        $tgid, $cpu; strings compare with == "..." or STRCMP("literal", expr). Conversions:
        %d %u %ld %lu %lld %llu %hd %hu %x %lx %llx %c %s %K (kernel symbol).

        EXAMPLES:
            bpfan trace 't:block:block_rq_complete "sectors=%d", args->nr_sector' \\
                run.trc
                    Trace the block_rq_complete tracepoint and print # of tx sectors
            bpfan trace \\
                't:irq:irq_handler_entry (args->irq == 36) "irq %d", args->irq' run.trc
                    Interrupts of irq 36 only
            bpfan trace 't:syscalls:sys_enter_openat:filename=str' ...   (record with)
            bpfan trace -T 't:syscalls:sys_enter_openat "%s", args->filename' run.trc
                    Files opened, with the time (filename recorded with -e
                    ...:filename=str)
            bpfan trace -p 1234 \\
                't:signal:signal_generate "sig %d to %d", args->sig, args->pid' run.trc
                    Signals sent by process 1234
        """)

    @Option(name: [.customShort("b", allowingJoined: true), .customLong("buffer-pages")], help: ArgumentHelp("number of pages to use for perf_events ring buffer (no buffer here: ignored)", valueName: "BUFFER_PAGES"))
    var bufferPages = 64
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("id of the process to trace (optional)", valueName: "PID"))
    var pid: Int?
    @Option(name: [.customShort("L", allowingJoined: true), .customLong("tid")], help: ArgumentHelp("id of the thread to trace (optional)", valueName: "TID"))
    var tid: Int?
    @Option(name: .customLong("uid"), help: ArgumentHelp("id of the user to trace (not recorded per event: refused)", valueName: "UID"))
    var uid: Int?
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "print resulting BPF program code before executing (no program here: ignored)")
    var verbose = false
    @Option(name: [.customShort("Z", allowingJoined: true), .customLong("string-size")], help: ArgumentHelp("maximum size to read from strings", valueName: "STRING_SIZE"))
    var stringSize = 80
    @Flag(name: [.customShort("S"), .customLong("include-self")], help: "do not filter trace's own pid from the trace (no trace process here: ignored)")
    var includeSelf = false
    @Option(name: [.customShort("M", allowingJoined: true), .customLong("max-events")], help: ArgumentHelp("number of events to print before quitting", valueName: "MAX_EVENTS"))
    var maxEvents: Int?
    @Flag(name: [.customShort("t"), .customLong("timestamp")], help: "print timestamp column (offset from trace start)")
    var timestamp = false
    @Flag(name: [.customShort("u"), .customLong("unix-timestamp")], help: "print UNIX timestamp instead of offset from trace start, requires -t")
    var unixTimestamp = false
    @Flag(name: [.customShort("T"), .customLong("time")], help: "print time column")
    var time = false
    @Flag(name: [.customShort("C"), .customLong("print_cpu")], help: "print CPU id")
    var printCPU = false
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("cgroup-path")], help: ArgumentHelp("cgroup path (not recorded: refused)", valueName: "CGROUP_PATH"))
    var cgroupPath: String?
    @Option(name: [.customShort("n", allowingJoined: true), .customLong("name")], help: ArgumentHelp("only print process names containing this name", valueName: "NAME"))
    var name: String?
    @Option(name: [.customShort("f", allowingJoined: true), .customLong("msg-filter")], help: ArgumentHelp("only print the msg of event containing this string", valueName: "MSG_FILTER"))
    var messageFilter: String?
    @Flag(name: [.customShort("B"), .customLong("bin_cmp")], help: "allow to use STRCMP with binary values (strings compare as bytes here: ignored)")
    var binaryCompare = false
    @Option(name: [.customShort("s", allowingJoined: true), .customLong("sym_file_list")], help: ArgumentHelp("comma separated list of symbol files to use for symbol resolution (the recording's symbols are used: ignored)", valueName: "SYM_FILE_LIST"))
    var symbolFiles: String?
    @Flag(name: [.customShort("K"), .customLong("kernel-stack")], help: "output kernel stack trace")
    var kernelStack = false
    @Flag(name: [.customShort("U"), .customLong("user-stack")], help: "output user stack trace")
    var userStack = false
    @Flag(name: [.customShort("a"), .customLong("address")], help: "print virtual address in stacks")
    var address = false
    @Option(name: [.customShort("I", allowingJoined: true), .customLong("include")], help: ArgumentHelp("additional header files (kernel structs are not in recordings: refused)", valueName: "header"))
    var include: [String] = []
    @Flag(name: [.customShort("A"), .customLong("aggregate")], help: "aggregate amount of each trace")
    var aggregate = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("probe specifier (see examples), then the recording.", valueName: "probe recording"))
    public var positionals: [String] = []

    public init() {}

    public static var textPositionals: [String] { ["probe"] }
    public static var textPositionalRepeats: Bool { true }

    public func validate() throws {
        if pid != nil && tid != nil { throw ValidationError("only one of -p and -L may be specified") }
        if aggregate && maxEvents == nil { throw ValidationError("-M/--max-events should be specified with -A/--aggregate") }
        if let maxEvents, maxEvents <= 0 { throw ValidationError("-M: expected a positive number of events, got \(maxEvents)") }
        if stringSize <= 0 || stringSize > 4096 { throw ValidationError("-Z: expected a string size from 1 to 4096, got \(stringSize)") }
        if uid != nil { throw ValidationError("--uid: tracepoint events carry no uid in a recording; filter by -p PID or in the predicate") }
        if cgroupPath != nil { throw ValidationError("-c: recordings carry no cgroup membership; cannot filter by cgroup") }
        if !include.isEmpty { throw ValidationError("-I \(include[0]): headers describe kernel structs, whose memory a recording does not hold; use the tracepoint's args->FIELD") }
    }

    public var requiredTables: [String] { [] }
    public var lossFamilies: Set<String> { [] }

    /// trace.py's aliases: `$pid` is the thread (the kernel's pid), `$tgid` the process.
    static let specials: [String: TracepointSpecial] = ["$pid": .tid, "$tgid": .tgid, "$cpu": .cpu]
    static let refused = [
        "$uid": "tracepoint events carry no uid in a recording",
        "$gid": "tracepoint events carry no gid in a recording",
        "$task": "the current task's memory is not in a recording",
        "retval": "only r: probes have a return value; a syscall's is args->ret of t:syscalls:sys_exit_NAME",
    ]

    struct Probe {
        let spec: TraceProbeSpecifier
        let input: TracepointProbeInput
        let filter: CompiledExpression<TracepointRow>?
        let values: [CompiledExpression<TracepointRow>]
        let format: CFormat?
        /// Where the line's PID, TID and CPU columns are in the probe's scan.
        let pidSlot: Int, tidSlot: Int, cpuSlot: Int
        /// The kstack / ustack columns, with -K / -U.
        let kernelSlot: Int?, userSlot: Int?
    }

    func bind(_ spec: TraceProbeSpecifier, _ rec: Recording) throws -> Probe {
        let source: TracepointSource
        do { source = try rec.tracepointSource(spec.tracepoint) } catch let e as AnalysisError {
            throw AnalysisError("error in probe '\(spec.raw)': \(e.message)")
        }
        let columns = TracepointColumns()
        let bindings = TracepointBindings(source: source, columns: columns, specials: Self.specials.merging(["$comm": .comm]) { a, _ in a }, refused: Self.refused)
        func compile(_ text: String, as type: CType?) throws -> CompiledExpression<TracepointRow> {
            do { return try CExpressionCompiler.compile(CExpressionParser.parse(text), bindings, as: type) } catch {
                throw AnalysisError("error in probe '\(spec.raw)': expression '\(text)': \(error)")
            }
        }
        let filter = try spec.filter.map { try compile($0, as: nil) }
        let values = try zip(spec.arguments, spec.types).map { text, letters in
            try compile(text, as: CType(name: TraceProbeSpecifier.cType(letters)))
        }
        let format: CFormat?
        do { format = spec.isDefaultAction ? nil : try CFormat(spec.format) } catch {
            throw AnalysisError("error in probe '\(spec.raw)': format \"\(spec.format)\": \(error)")
        }
        // Every line shows the task's comm: the process tables give it.
        _ = try? bindings.name("$comm")
        // -K / -U: the stacks bpfrec record --stack-events took at each hit.
        let columnsOfTable = rec.columnNames(of: source.table)
        func stackSlot(_ wanted: Bool, _ column: String, _ flag: String, _ which: String) throws -> Int? {
            guard wanted else { return nil }
            guard columnsOfTable.contains(column) else {
                throw AnalysisError("-\(flag): \(source.event) was recorded without \(which) stacks (record it with bpfrec record --stack-events \(source.event)\(which == "user" ? " --stack user" : ""))")
            }
            return columns.slot(column)
        }
        return Probe(spec: spec, input: TracepointProbeInput(source: source, columns: columns), filter: filter, values: values, format: format,
                     pidSlot: columns.slot("pid"), tidSlot: columns.slot("tid"), cpuSlot: columns.slot("cpu"),
                     kernelSlot: try stackSlot(kernelStack, "kstack", "K", "kernel"), userSlot: try stackSlot(userStack, "ustack", "U", "user"))
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        guard !texts.isEmpty else { throw AnalysisError("missing the probe specifier before the recording") }
        var specs: [TraceProbeSpecifier] = []
        do { specs = try texts.map { try TraceProbeSpecifier($0) } } catch let e as TraceProbeSpecifier.Failure { throw AnalysisError(e.description) }
        let probes = try specs.map { try bind($0, rec) }
        for note in TracepointSource.coverageNotes(probes.map(\.input.source)) { out.warn("bpfan trace: \(note)") }
        if let lost = rec.lossSummary(families: Set(probes.map { Recording.family(ofTable: $0.input.source.table) })) {
            out.warn("bpfan trace: warning: \(lost); events are missing below")
        }
        let symbols = probes.contains { $0.spec.types.contains("K") } ? try KernelSymbols.load(rec.file) : nil
        if probes.contains(where: { $0.spec.types.contains("U") }) {
            throw AnalysisError("%U: user symbols of tracepoint arguments are not resolved from recordings yet; print the address with %llx")
        }

        // Header: "%-8s " (or "%-17s " with -u) TIME, "%-3s " CPU, then "%-7s %-7s %-15s %-16s %s".
        let allTrivial = probes.allSatisfy(\.spec.isDefaultAction)
        var b = RowLayout.Builder(.row, "trace_event")
        if timestamp || time {
            b.add("time", header: unixTimestamp ? "%-17s " : "%-8s ", "TIME", row: unixTimestamp ? "%-17s " : "%-8s ")
        } else {
            b.json("time")
        }
        if printCPU { b.add("cpu", header: "%-3s ", "CPU", row: "%-3s ") } else { b.json("cpu") }
        b.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        b.add("tid", header: "%-7s ", "TID", row: "%-7d ")
        b.add("comm", header: "%-15s ", "COMM", row: "%-15s ")
        b.add("func", header: "%-16s ", "FUNC", row: "%-16s ")
        b.add("message", header: "%s\n", allTrivial ? "" : "-", row: "%s\n")
        b.json("kernel_stack")
        b.json("user_stack")
        let layout = b.layout
        let ksyms = kernelStack ? try KernelSymbols.load(rec.file) : nil
        let usyms = userStack ? try UserSymbols.load(rec) : nil
        let showAddress = address
        /// bcc's _stack_to_string: 8 spaces, the address with -a, `sym+0xoff [module]`.
        func stackLines(_ frames: [String], _ addresses: [UInt64]) -> String {
            zip(frames, addresses).map { name, a in "        " + (showAddress ? printf("%16llx ", .uint(a)) : "") + name + "\n" }.joined()
        }
        out.header(layout)

        let start = rec.effectiveStart
        let realStart = rec.clock.map { Double($0.realtime(ofMonotonic: start)) / 1e9 }
        var printed = 0
        var aggregated: [String: Int] = [:]
        var order: [String] = []
        let filter = ScanFilter(pids: pid.map { [Int64($0)] }, values: tid.map { ["tid": [Int64($0)]] } ?? [:])
        let size = stringSize
        let hms = rec.clock
        struct Done: Error {}
        do {
            try rec.scanTracepoints(probes.map(\.input), filter: filter) { hit in
                let p = probes[hit.probe]
                if let f = p.filter, !f.isTrue(hit.row) { return }
                let comm = String(decoding: hit.row.comm, as: UTF8.self)
                if let name, !name.isEmpty, !comm.contains(name) { return }
                var message = ""
                if let format = p.format {
                    let args: [CArg] = zip(p.values, p.spec.types).map { value, letters in
                        let v = value(hit.row)
                        switch (letters, v) {
                        case ("s", .string(let s)): return .string(String(decoding: s.prefix { $0 != 0 }.prefix(size), as: UTF8.self))
                        case ("K", .int(let a)):
                            let addr = UInt64(bitPattern: a)
                            guard let s = symbols?.symbol(of: addr) else { return .string("[unknown]") }
                            return .string(s.name + "+0x" + String(s.offset, radix: 16))
                        case ("x", .int(let i)), ("lx", .int(let i)), ("llx", .int(let i)): return .uint(UInt64(bitPattern: i))
                        case (_, .int(let i)): return letters.hasPrefix("ll") && letters.hasSuffix("u") || letters == "lu" ? .uint(UInt64(bitPattern: i)) : .int(i)
                        case (_, .string(let s)): return .string(String(decoding: s, as: UTF8.self))
                        }
                    }
                    message = (try? format.format(args)) ?? ""
                }
                if let messageFilter, !message.contains(messageFilter) { return }
                let row = hit.row.batch.ordered
                let tgid = row[p.pidSlot][hit.row.row], tid = row[p.tidSlot][hit.row.row], cpu = row[p.cpuSlot][hit.row.row]
                var timeText = ""
                if timestamp {
                    let offset = Double(hit.time &- start) / 1e9
                    let text = unixTimestamp ? printf("%.6f", .double(offset + (realStart ?? 0))) : printf("%.6f", .double(offset))
                    timeText = String(text.prefix(unixTimestamp ? 17 : 8))
                } else if time {
                    timeText = hms?.hms(ofMonotonic: hit.time) ?? "??:??:??"
                }
                let kernelAddresses = p.kernelSlot.map { StackFrames.decode(hit.row.batch.orderedBlobs[$0][hit.row.row]) } ?? []
                let userAddresses = p.userSlot.map { StackFrames.decode(hit.row.batch.orderedBlobs[$0][hit.row.row]) } ?? []
                let kernelFrames = kernelAddresses.map { a in ksyms?.symbol(of: a).map { "\($0.name)+0x\(String($0.offset, radix: 16)) [kernel]" } ?? "[unknown]" }
                let userFrames = userAddresses.map { a -> String in
                    guard let s = usyms?.symbol(pid: tgid, address: a, at: hit.time) else { return "[unknown]" + (usyms?.module(pid: tgid, address: a, at: hit.time).map { " [\($0)]" } ?? "") }
                    return "\(s.name)+0x\(String(s.offset, radix: 16))" + (usyms?.module(pid: tgid, address: a, at: hit.time).map { " [\($0)]" } ?? "")
                }
                let values: [Value] = [timestamp || time ? .string(timeText) : .time(hit.time), printCPU ? .string(String(cpu)) : .int(cpu),
                                       .int(tgid), .int(tid), .string(comm), .string(p.spec.event), .string(message),
                                       p.kernelSlot == nil ? .null : .list(kernelFrames.map { .string($0) }), p.userSlot == nil ? .null : .list(userFrames.map { .string($0) })]
                let stacks = p.kernelSlot == nil && p.userSlot == nil ? nil : stackLines(kernelFrames, kernelAddresses) + stackLines(userFrames, userAddresses)
                if aggregate {
                    let key = out.rowText(layout, values) + (stacks ?? "")
                    if aggregated[key] == nil { order.append(key) }
                    aggregated[key, default: 0] += 1
                } else {
                    out.row(layout, values)
                    // The frames print after the line, then a blank line, as bcc's print_event.
                    if let stacks { out.text(stacks + "\n") }
                }
                printed += 1
                if let maxEvents, printed >= maxEvents { throw Done() }
            }
        } catch is Done {}
        if aggregate {
            // print_aggregate_events(): by count, most first, "%s-->COUNT %d\n\n".
            var a = RowLayout.Builder(.row, "trace_aggregate")
            a.add("event", header: "", "", row: "%s-->COUNT ")
            a.add("count", header: "", "", row: "%d\n\n")
            let aggregateLayout = a.layout
            for key in order.enumerated().sorted(by: { (aggregated[$0.element]!, -$0.offset) > (aggregated[$1.element]!, -$1.offset) }).map(\.element) {
                out.row(aggregateLayout, [.string(key), .int(Int64(aggregated[key]!))])
            }
        }
    }
}
