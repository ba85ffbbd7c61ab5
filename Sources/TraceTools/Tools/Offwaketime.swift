import ArgumentParser
import TraceAnalysis
import TraceReport

/// bcc offwaketime (0.26): off-CPU time (us) per pair of the blocked thread's stack and the
/// stack of the task that woke it. The spans and their blocked stacks are offcputime's
/// (`OffCpuSpans`); the waker's stacks are those of `bpfrec record --stack-events
/// sched:sched_waking` (try_to_wake_up, where bcc's kprobe sits), or sched:sched_wakeup.
public struct Offwaketime: RecordingTool {
    public static let toolName = "offwaketime"
    public static let notes = "bcc output; waker stacks from --stack-events sched:sched_waking (or sched_wakeup); target stacks from offcputime's switch-out stacks (preempted spans need --offcpu-stacks all); the probes' own frames left out (--tracer-frames keeps them)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize blocked time by kernel stack trace + waker stack.",
        discussion: """
        Record with: bpfrec record --families proc,sched,stacks --offcpu-stacks all \\
        --stack-events sched:sched_waking -o run.trc

        The blocked (target) stack is the one offcputime charges: taken as the thread switched \
        out. The waker's is taken at sched:sched_waking, inside try_to_wake_up, in the waker's \
        context, where bcc's kprobe on try_to_wake_up takes it; a recording with only \
        sched:sched_wakeup is used too, but that event can fire on the wakee's CPU from the \
        scheduler's IPI, with that CPU's task as the "waker". As the live tool, a span is \
        charged to the last waker of its thread before it ran again; a span with no wakeup \
        (preempted, yielding) has an empty waker.

        Frames: the live tool's stacks start with its probe's function (finish_task_switch, \
        try_to_wake_up; the waker's is always dropped by bcc, the target's in -f); ours start \
        with the recorder's program and tracepoint glue. Those are left out, and so is the \
        waker's try_to_wake_up, so that both start at the caller of the probed function; \
        --tracer-frames keeps them. User frames are dropped as bcc drops them: the innermost \
        frame of the waker's user stack always, and of the target's in -f.

        EXAMPLES:
            bpfan offwaketime run.trc            # off-CPU + waker stack time over the
                                                 # whole recording
            bpfan offwaketime run.trc 5          # the first 5 seconds only
            bpfan offwaketime -f run.trc 5       # 5 seconds, and output in folded
                                                 # format
            bpfan offwaketime --svg ow.svg run.trc   # and an off-wake flame graph
            bpfan offwaketime -m 1000 run.trc    # only events that last more than 1000
                                                 # usec
            bpfan offwaketime -M 9000 run.trc    # only events that last less than 9000
                                                 # usec
            bpfan offwaketime -p 185 run.trc     # only threads for PID 185
            bpfan offwaketime -t 188 run.trc     # only thread 188
            bpfan offwaketime -u run.trc         # only user threads (no kernel)
            bpfan offwaketime -k run.trc         # only kernel threads (no user)
            bpfan offwaketime -U run.trc         # only show user space stacks (no
                                                 # kernel)
            bpfan offwaketime -K run.trc         # only show kernel space stacks (no
                                                 # user)
        """)
    public static let numericPositionals = ["duration"]

    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("trace these PIDS only. Can be a comma separated list of PIDS.", valueName: "PIDS"))
    var pids: String?
    @Option(name: [.customShort("t", allowingJoined: true), .customLong("tid")], help: ArgumentHelp("trace these TIDS only. Can be a comma separated list of TIDS.", valueName: "TIDS"))
    var tids: String?
    @OptionGroup var flags: OffCpuFlags
    @Option(name: .customLong("state"), help: ArgumentHelp("filter on this thread state bitmask (eg, 2 == TASK_UNINTERRUPTIBLE) see include/linux/sched.h", valueName: "STATE"))
    var state: Int64?
    @Flag(name: .customLong("tracer-frames"), help: "keep the recorder's frames atop kernel stacks: its programs, the tracepoint glue, and the waker's try_to_wake_up")
    var tracerFrames = false
    @OptionGroup var svgOptions: SVGOptions
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, then the live tool's [duration] (seconds from the start of the window).", valueName: "recording [duration]"))
    public var positionals: [String] = []

    public init() {}

    /// The wakeup events whose stacks are the wakers', best first.
    static let wakerEvents = ["sched:sched_waking", "sched:sched_wakeup"]
    public var requiredTables: [String] { ["sched_switch", "offcpu_stack"] }
    public var lossFamilies: Set<String> { ["sched", "stacks", Recording.tracepointsFamily] }
    public var flameGraph: FlameGraphRequest? { svgOptions.request(title: "Off-Wake Time Flame Graph", countName: "us") }

    /// bcc's positive_int: up to 5 comma-separated non-negative integers.
    static func idList(_ text: String, flag: String) throws -> Set<Int64> {
        let parts = text.split(separator: ",", maxSplits: 5, omittingEmptySubsequences: false).prefix(5)
        var out: Set<Int64> = []
        for p in parts {
            guard let v = Int64(p) else { throw AnalysisError("argument \(flag): must be an integer") }
            if v < 0 { throw AnalysisError("argument \(flag): must be positive") }
            out.insert(v)
        }
        return out
    }

    func makeFilter() throws -> OffCpuSpans.Filter {
        let p = try pids.map { try Self.idList($0, flag: "-p/--pid") }, t = try tids.map { try Self.idList($0, flag: "-t/--tid") }
        if let state, state < 0 { throw AnalysisError("argument --state: must be positive") }
        try flags.check(threadFlags: [pids != nil ? "-p/--pid" : nil, tids != nil ? "-t/--tid" : nil].compactMap { $0 })
        // bcc's STATE_FILTER: `p->__state & STATE` (`== 0` for 0).
        return flags.filter(pids: p, tids: t, state: state, stateMatch: .bitmask)
    }

    /// bcc's wokeby_t: who last woke a thread, with its stacks at that wakeup.
    struct Waker: Hashable {
        var comm = ""
        var tid: Int64 = 0
        var tgid: Int64 = 0
        var kernelStack: [UInt64] = []
        var userStack: [UInt64] = []
    }

    struct Key: Hashable {
        var target: OffCpuTracker.Key
        var waker: Waker
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let filter = try makeFilter()
        guard let event = Self.wakerEvents.first(where: { rec.file.tableID(named: $0) != nil }) else {
            throw AnalysisError("\(rec.path) has no sched:sched_waking table with the wakers' stacks; record it with `bpfrec record --families proc,sched,stacks --offcpu-stacks all --stack-events sched:sched_waking`")
        }
        let columns = rec.columnNames(of: event)
        guard columns.contains("kstack") || columns.contains("ustack") else {
            throw AnalysisError("\(event) was recorded without stacks: record it with `bpfrec record --stack-events \(event)`")
        }
        if event != Self.wakerEvents[0] {
            out.warn("bpfan offwaketime: \(rec.path) has waker stacks at \(event) only: a wakeup queued to another CPU is recorded there in that CPU's task, not the waker's (record sched:sched_waking for bcc's waker)")
        }
        if !flags.userStacksOnly && !columns.contains("kstack") { out.warn("bpfan offwaketime: \(event) was recorded without kernel stacks (--stack user): waker kernel stacks are empty") }
        if !flags.kernelStacksOnly && !columns.contains("ustack") { out.warn("bpfan offwaketime: \(event) was recorded without user stacks (--stack kernel): waker user stacks are empty") }
        let ksyms = try KernelSymbols.load(rec.file)
        if ksyms == nil { out.warn("bpfan offwaketime: \(rec.path) has no kallsyms metadata; kernel frames print as [unknown]") }
        let end: Int64? = numbers.first.map { rec.effectiveStart &+ Int64(min($0, 1 << 30)) * 1_000_000_000 }

        // The wakers' columns by position: an absent stack column reads as empty.
        let wakerColumns = ["pid", "tid", "task_comm", "arg_pid", columns.contains("kstack") ? "kstack" : "", columns.contains("ustack") ? "ustack" : ""]
        var wokeby: [Int64: (ts: Int64, waker: Waker)] = [:]
        var totals: [Key: (us: UInt64, targetSeen: Int64, wakerSeen: Int64)] = [:]
        var stackless = StacklessSpans()
        let spans = OffCpuSpans(filter: filter, tracerFrames: tracerFrames, ksyms: ksyms, end: end)
        // Each thread's last switch-out (tgid, state): what bcc's waker() filters the wakee by.
        var asleep: [Int64: (tgid: Int64, state: Int64)] = [:]
        let threadsWithStacks = try spans.scan(rec, with: [ScanSource(event, wakerColumns)], extra: { m in
            let target = m.int(3)
            if let a = asleep[target], !filter.takesWakeup(tgid: a.tgid, tid: target, state: a.state) { return }
            func stack(_ i: Int) -> [UInt64] {
                guard !wakerColumns[i].isEmpty else { return [] }
                let blobs = m.batch.orderedBlobs[i]
                return StackFrames.decode(blobs.dictionary[Int(blobs.codes[m.row])])
            }
            var kernel = stack(4)
            if !tracerFrames, let ksyms { kernel.removeFirst(ksyms.wakeupProbeFrameCount(kernel)) }
            wokeby[target] = (m.ts, Waker(comm: m.string(2), tid: m.int(1), tgid: m.int(0), kernelStack: kernel, userStack: stack(5)))
        }, switchedOut: { tgid, tid, state in asleep[tid] = (tgid, state) }) { span in
            let us = UInt64(span.duration / 1000)
            guard us >= flags.minBlock && us <= flags.maxBlock else { return }
            // bcc takes the waker only for a span it counts; a span it skipped leaves it.
            let woke = wokeby.removeValue(forKey: span.tid)
            guard let target = span.key else { stackless.add(tid: span.tid, us: us); return }
            let key = Key(target: target, waker: woke?.waker ?? Waker())
            totals[key, default: (0, span.end, woke?.ts ?? span.end)].us &+= us
        }
        if let note = stackless.warning(tool: Self.toolName, rec, threadsWithStacks: threadsWithStacks) { out.warn(note) }

        // bcc sorts by time alone (ties in hash order); ties here go by target, then waker.
        let sorted = totals.map { (key: $0.key, value: $0.value) }.sorted { a, b in
            let x = (a.value.us, a.key.target.tgid, a.key.target.tid, a.key.target.comm), y = (b.value.us, b.key.target.tgid, b.key.target.tid, b.key.target.comm)
            if x != y { return x < y }
            let v = (a.key.waker.tgid, a.key.waker.tid, a.key.waker.comm), w = (b.key.waker.tgid, b.key.waker.tid, b.key.waker.comm)
            if v != w { return v < w }
            for (p, q) in [(a.key.target.kernelStack, b.key.target.kernelStack), (a.key.target.userStack, b.key.target.userStack),
                           (a.key.waker.kernelStack, b.key.waker.kernelStack), (a.key.waker.userStack, b.key.waker.userStack)] where p != q {
                return p.lexicographicallyPrecedes(q)
            }
            return false
        }
        let showUser = !flags.kernelStacksOnly, showKernel = !flags.userStacksOnly
        let usyms = showUser ? try UserSymbols.load(rec, pids: Set(sorted.flatMap { [$0.key.target.tgid, $0.key.waker.tgid] })) : nil
        func ksym(_ a: UInt64) -> String { ksyms?.name(of: a) ?? "[unknown]" }
        func usym(_ pid: Int64, _ at: Int64) -> (UInt64) -> String {
            { usyms?.name(pid: pid, address: $0, at: at) ?? "[unknown]" }
        }
        let needDelimiter = flags.needDelimiter
        if !flags.folded {
            out.text("Tracing blocked time (us) by \(flags.stackContext) off-CPU and waker stack" + (numbers.first.map { " for \($0) secs.\n" } ?? "... Hit Ctrl-C to end.\n") + "\n")
        }
        for (key, value) in sorted {
            let t = key.target, w = key.waker
            // bcc drops the innermost user frame of the waker always, and the target's in -f.
            let targetUser = flags.folded ? Array(t.userStack.dropFirst()) : t.userStack
            let waker = StackItem.Waker(labels: [("pid", .int(w.tgid)), ("tid", .int(w.tid)), ("comm", .string(w.comm))],
                                        kernel: showKernel ? w.kernelStack.map(ksym) : nil,
                                        user: showUser ? w.userStack.dropFirst().map(usym(w.tgid, value.wakerSeen)) : nil,
                                        line: printf("    %-16s %s %d\n", "waker:", .string(w.comm), .int(w.tid)), name: w.comm)
            let style: StackItem.Style = flags.folded
                ? .foldedWoken(prefix: t.comm, delimited: needDelimiter, value: String(value.us))
                : .bccWoken(delimited: needDelimiter, taskLine: printf("    %-16s %s %d\n", "target:", .string(t.comm), .int(t.tid)), valueLine: printf("        %d\n\n", .uint(value.us)))
            var item = StackItem(labels: [("pid", .int(t.tgid)), ("tid", .int(t.tid)), ("comm", .string(t.comm))],
                                 kernel: showKernel ? t.kernelStack.map(ksym) : nil, user: showUser ? targetUser.map(usym(t.tgid, value.targetSeen)) : nil,
                                 value: .uint(value.us), unit: .us, style: style, root: t.comm)
            item.waker = waker
            out.stack(item)
        }
    }
}
