import ArgumentParser
import TraceAnalysis
import TraceFormat
import TraceReport

/// bcc stackcount for tracepoints recorded with stacks (`bpfrec record --stack-events`): the
/// distinct kernel and user stacks at each hit of the `t:SUBSYS:EVENT` pattern, with their
/// counts, least frequent first, over the recording or per -i interval, printed as bcc 0.26
/// prints them (frames innermost first, or -f folded).
public struct Stackcount: RecordingTool {
    public static let toolName = "stackcount"
    public static let notes = "t: patterns over tracepoints recorded with --stack-events; kernel-function, uprobe and USDT patterns are refused; without -P user frames are named from the first process seen with the stack (bcc prints [unknown]: it looks them up as pid 0xffffffff)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Count events and their stack traces",
        discussion: """
        EXAMPLES:
            bpfan stackcount t:sched:sched_wakeup run.trc
                # count stacks of a tracepoint recorded with stacks
            bpfan stackcount -d t:block:block_rq_insert run.trc
                # include a user/kernel stack delimiter
            bpfan stackcount -s t:sched:sched_wakeup run.trc    # show symbol offsets
            bpfan stackcount -sv t:sched:sched_wakeup run.trc
                # show offsets and raw addresses (verbose)
            bpfan stackcount 't:block:*' run.trc
                # count stacks for tracepoints matching block:*
            bpfan stackcount -r 't:^block:.*' run.trc
                # same as above, using regular expressions
            bpfan stackcount -Ti 5 t:sched:sched_wakeup run.trc
                # output every 5 seconds, with timestamps
            bpfan stackcount -p 185 t:sched:sched_wakeup run.trc
                # stacks of PID 185 only
            bpfan stackcount -c 1 t:sched:sched_wakeup run.trc  # stacks on CPU 1 only
            bpfan stackcount -K t:sched:sched_wakeup run.trc    # kernel stacks only
            bpfan stackcount -U t:sched:sched_wakeup run.trc    # user stacks only
            bpfan stackcount --svg wakeups.svg t:sched:sched_wakeup run.trc
                # and a flame graph of them (all intervals together)
        Record the events with: bpfrec record --stack-events 'block:block_rq_insert,sched:sched_wakeup' -o run.trc
        """)

    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("trace this PID only", valueName: "PID"))
    var pid: Int?
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("cpu")], help: ArgumentHelp("trace this CPU only", valueName: "CPU"))
    var cpu: Int?
    @Option(name: [.customShort("i", allowingJoined: true), .customLong("interval")], help: ArgumentHelp("summary interval, seconds", valueName: "INTERVAL"))
    var interval: Int?
    @Option(name: [.customShort("D", allowingJoined: true), .customLong("duration")], help: ArgumentHelp("total duration of trace, seconds", valueName: "DURATION"))
    var duration: Int?
    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("r"), .customLong("regexp")], help: "use regular expressions. Default is \"*\" wildcards only.")
    var regexp = false
    @Flag(name: [.customShort("s"), .customLong("offset")], help: "show address offsets")
    var offset = false
    @Flag(name: [.customShort("P"), .customLong("perpid")], help: "display stacks separately for each process")
    var perpid = false
    @Flag(name: [.customShort("K"), .customLong("kernel-stacks-only")], help: "kernel stack only")
    var kernelStacksOnly = false
    @Flag(name: [.customShort("U"), .customLong("user-stacks-only")], help: "user stack only")
    var userStacksOnly = false
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "show raw addresses")
    var verbose = false
    @Flag(name: [.customShort("d"), .customLong("delimited")], help: "insert delimiter between kernel/user stacks")
    var delimited = false
    @Flag(name: [.customShort("f"), .customLong("folded")], help: "output folded format")
    var folded = false
    @Flag(name: .customLong("debug"), help: "print BPF program before starting (no program here: ignored)")
    var debug = false
    @OptionGroup var svgOptions: SVGOptions
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The search expression for events (t:SUBSYS:EVENT), then the recording.", valueName: "pattern recording"))
    public var positionals: [String] = []

    public init() {}

    public static var textPositionals: [String] { ["pattern"] }

    public func validate() throws {
        if let interval, interval <= 0 { throw ValidationError("-i: expected a positive number of seconds, got \(interval)") }
        if let duration, duration <= 0 { throw ValidationError("-D: expected a positive number of seconds, got \(duration)") }
    }

    public var requiredTables: [String] { [] }
    public var flameGraph: FlameGraphRequest? { svgOptions.request(title: Self.flameGraphTitle, countName: Self.flameGraphCountName) }
    public static var flameGraphTitle: String { "Stack Count Flame Graph" }
    public static var flameGraphCountName: String { "events" }
    public var lossFamilies: Set<String> { [Recording.tracepointsFamily] }

    /// One distinct stack as the live tool keys it: tgid 0xffffffff and no comm unless -P
    /// (or -p, which implies it).
    struct Key: Hashable {
        var tgid: Int64
        var comm: [UInt8]
        var kernel: [UInt64]
        var user: [UInt64]
    }

    /// The live tool's `self.args.perpid` after `-p PID` (> 0) forced it on.
    var perProcess: Bool { perpid || (pid ?? 0) > 0 }
    var showKernel: Bool { !userStacksOnly }
    var showUser: Bool { !kernelStacksOnly }

    /// The recorded tracepoints the pattern selects (by table), after checking each has the
    /// stacks asked for; and the host's matching tracepoints that were not recorded.
    func events(_ rec: Recording) throws -> (recorded: [String: String], unrecorded: [String]) {
        guard let pattern = texts.first else { throw AnalysisError("missing the pattern (t:SUBSYS:EVENT) before the recording") }
        let match = try TracepointProbe.parse(pattern, regex: regexp)
        let recorded = rec.countableTracepoints.filter { match.matches($0.key) }
        let (formats, _) = try rec.tracepointFormats()
        let unrecorded = formats.keys.filter { match.matches($0) && recorded[$0] == nil }.sorted()
        if recorded.isEmpty {
            let hint = unrecorded.isEmpty ? "" : " (the host has \(unrecorded.count) matching, e.g. \(unrecorded[0]): record them with --stack-events)"
            throw AnalysisError("'\(pattern)' matches no tracepoint this recording holds\(hint)")
        }
        for (event, table) in recorded.sorted(by: { $0.key < $1.key }) {
            let columns = rec.columnNames(of: table)
            let hasKernel = columns.contains("kstack"), hasUser = columns.contains("ustack")
            if !hasKernel && !hasUser {
                throw AnalysisError("\(event) was recorded without stacks: record it with `bpfrec record --stack-events \(event)`")
            }
            if showKernel && !hasKernel {
                throw AnalysisError("\(event) was recorded with user stacks only (--stack user): use -U, or record it with --stack-events \(event) --stack kernel,user")
            }
            if showUser && !hasUser {
                throw AnalysisError("\(event) was recorded with kernel stacks only (--stack kernel): use -K, or record it with --stack-events \(event) --stack kernel,user")
            }
        }
        return (recorded, unrecorded)
    }

    /// -i INTERVAL reports every INTERVAL (until -d), -d alone once after DURATION.
    public func intervals(numbers: [Int]) -> IntervalRequest? {
        guard let step = interval ?? duration else { return nil }
        return IntervalRequest(seconds: step, count: duration.map { max(1, $0 / step) })
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if kernelStacksOnly && userStacksOnly {
            throw AnalysisError("ERROR: -K and -U are mutually exclusive. If you want both stacks, that is the default.")
        }
        let (recorded, unrecorded) = try events(rec)
        if !unrecorded.isEmpty {
            out.warn("bpfan stackcount: \(unrecorded.count) matching tracepoint(s) of the recording host were not recorded and are not counted: \(unrecorded.prefix(5).joined(separator: ", "))\(unrecorded.count > 5 ? ", ..." : "") (record them with --stack-events)")
        }
        let losses = rec.losses(families: Set(recorded.values.map(Recording.family(ofTable:))))
        if !losses.isEmpty {
            out.warn("bpfan stackcount: warning: \(losses.reduce(0) { $0 + $1.lost }) events lost in this window (\(losses.map { "\($0.family) \($0.lost)" }.joined(separator: ", "))); counts below are incomplete")
        }
        // -D alone reports once, after DURATION; -i every INTERVAL (until -D); neither: once.
        let reports = intervals(numbers: numbers)
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: reports?.seconds, count: reports?.count)
        // Per interval: count per key, and per key the first (pid, ts) seen, which names its
        // user frames (the maps of that process at that time).
        var counts = Array(repeating: [Key: Int64](), count: buckets.bucketCount)
        var firstSeen: [Key: (pid: Int64, ts: Int64)] = [:]
        let filter = ScanFilter(pids: pid.map { [Int64($0)] }, values: cpu.map { ["cpu": [Int64($0)]] } ?? [:])
        for table in Set(recorded.values).sorted() {
            let columns = ["ts", "pid"] + (showKernel ? ["kstack"] : []) + (showUser ? ["ustack"] : []) + (perProcess ? ["task_comm"] : [])
            try rec.scan(table, columns: columns, filter: filter) { b in
                let ts = b.ints("ts"), pids = b.ints("pid")
                let kstacks = showKernel ? b.blobs("kstack") : nil, ustacks = showUser ? b.blobs("ustack") : nil
                let comms = perProcess ? b.blobs("task_comm") : nil
                // Stacks repeat: decode each dictionary entry once.
                let kernelFrames = kstacks?.dictionary.map(StackFrames.decode), userFrames = ustacks?.dictionary.map(StackFrames.decode)
                for r in 0..<b.count {
                    guard let i = buckets.index(of: ts[r]) else { continue }
                    let key = Key(tgid: perProcess ? pids[r] : 0xffff_ffff, comm: comms?[r] ?? [],
                                  kernel: kernelFrames.map { $0[Int(kstacks!.codes[r])] } ?? [],
                                  user: userFrames.map { $0[Int(ustacks!.codes[r])] } ?? [])
                    counts[i][key, default: 0] += 1
                    if firstSeen[key] == nil { firstSeen[key] = (pids[r], ts[r]) }
                }
            }
        }
        let ksyms = showKernel ? try KernelSymbols.load(rec.file) : nil
        if showKernel && ksyms == nil { out.warn("bpfan stackcount: \(rec.path) has no kallsyms metadata; kernel frames print as [unknown]") }
        let usyms = showUser ? try UserSymbols.load(rec, pids: Set(firstSeen.values.map(\.pid))) : nil
        // bcc's ksym()/sym(): the name, "+0x<offset>" with -s, "[unknown]" when unresolved;
        // -v puts Python's "%-16x " of the address first (multi-line output only; %lx: all 64 bits).
        func frame(_ address: UInt64, _ symbol: (name: String, offset: UInt64)?, lines: Bool) -> String {
            let name = symbol.map { offset && lines ? $0.name + "+0x" + String($0.offset, radix: 16) : $0.name } ?? "[unknown]"
            return verbose && lines ? printf("%-16lx ", .uint(address)) + name : name
        }
        let needDelimiter = delimited && !(kernelStacksOnly || userStacksOnly)
        if !folded { out.text("Tracing \(recorded.count + unrecorded.count) functions for \"\(texts[0])\"... Hit Ctrl-C to end.\n") }
        for (i, perKey) in counts.enumerated() {
            if !folded { out.text("\n") }
            if timestamp, let clock = rec.clock { out.text(printf("%-8s\n", .string(clock.hms(ofMonotonic: buckets.reportTime(of: i))))) }
            // Least frequent first, as bcc sorts; ties (hash order there) by pid, comm, stacks.
            let sorted = perKey.sorted { a, b in
                if a.value != b.value { return a.value < b.value }
                if a.key.tgid != b.key.tgid { return a.key.tgid < b.key.tgid }
                if a.key.comm != b.key.comm { return a.key.comm.lexicographicallyPrecedes(b.key.comm) }
                if a.key.kernel != b.key.kernel { return a.key.kernel.lexicographicallyPrecedes(b.key.kernel) }
                return a.key.user.lexicographicallyPrecedes(b.key.user)
            }
            for (key, n) in sorted {
                let seen = firstSeen[key]!
                func names(lines: Bool) -> (kernel: [String]?, user: [String]?) {
                    (showKernel ? key.kernel.map { frame($0, ksyms?.symbol(of: $0), lines: lines) } : nil,
                     showUser ? key.user.map { frame($0, usyms?.symbol(pid: seen.pid, address: $0, at: seen.ts), lines: lines) } : nil)
                }
                let style: StackItem.Style
                let frames = names(lines: !folded)
                if folded {
                    // print("%s %d" % (";".join([name] + user + ["-"] + kernel), count)); the name is
                    // empty without -P.
                    style = .folded(prefix: String(decoding: key.comm, as: UTF8.self), delimited: needDelimiter, value: String(n), always: true)
                } else {
                    // "    %s [%d]" % (k.name, k.tgid) with -P (not -p): k.name is bytes on Python 3.
                    let taskLine = perProcess && pid == nil ? "    \(PythonBytes.repr(key.comm)) [\(key.tgid)]\n" : ""
                    style = .bcc(delimited: needDelimiter, taskLine: taskLine, valueLine: "    \(n)\n\n", frameIndent: "  ", always: true)
                }
                var labels: [(String, Value)] = [("interval", .int(Int64(i)))]
                if perProcess { labels += [("pid", .int(key.tgid)), ("comm", .string(String(decoding: key.comm, as: UTF8.self)))] }
                out.stack(StackItem(labels: labels, kernel: frames.kernel, user: frames.user,
                                    value: .int(n), unit: .count, style: style,
                                    root: perProcess ? String(decoding: key.comm, as: UTF8.self) : nil))
            }
        }
        if !folded { out.text("Detaching...\n") }
    }
}
