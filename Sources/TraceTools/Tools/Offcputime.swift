import ArgumentParser
import TraceAnalysis
import TraceReport

/// offcputime: total off-CPU time (us) per blocked stack, thread and name, printed as bcc's
/// offcputime prints it (multi-line stacks sorted by time, or -f folded), measured as
/// libbpf-tools' sched_switch version does (stack taken as the task switches out).
public struct Offcputime: RecordingTool {
    public static let toolName = "offcputime"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "bcc output; only blocked (not preempted) switch-outs have stacks unless recorded with --offcpu-stacks all; the recorder's own frames atop kernel stacks left out (--tracer-frames keeps them); user frames need process_maps and elf_symbols (stacks family), else [unknown]"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize off-CPU time by stack trace.",
        discussion: """
        A recording has stacks for the switch-outs of tasks that block; the live tool has \
        them for every switch-out (preempted and yielding tasks too). Record with \
        `bpfrec record --offcpu-stacks all` to have those as well: then the totals and stacks \
        are the live tool's.

        Kernel stacks are taken inside bpfrec's sched_switch program, so they start with that \
        program and the tracepoint glue that ran it, as the live tool's start with its own. \
        Those frames are left out unless --tracer-frames; kept, the program is named from the \
        BPF symbols bpfrec records (recordings made before it kept them print [unknown] there).

        EXAMPLES:
            bpfan offcputime run.trc             # off-CPU stack time over the whole
                                                 # recording
            bpfan offcputime run.trc 5           # the first 5 seconds only
            bpfan offcputime -f run.trc 5        # 5 seconds, and output in folded
                                                 # format
            bpfan offcputime --svg off.svg run.trc   # and an off-CPU flame graph
            bpfan offcputime -m 1000 run.trc     # only events that last more than 1000
                                                 # usec
            bpfan offcputime -M 10000 run.trc    # only events that last less than
                                                 # 10000 usec
            bpfan offcputime -p 185 run.trc      # only threads for PID 185
            bpfan offcputime -t 188 run.trc      # only thread 188
            bpfan offcputime -u run.trc          # only user threads (no kernel)
            bpfan offcputime -k run.trc          # only kernel threads (no user)
            bpfan offcputime -U run.trc          # only show user space stacks (no
                                                 # kernel)
            bpfan offcputime -K run.trc          # only show kernel space stacks (no
                                                 # user)
        """)
    public static let numericPositionals = ["duration"]

    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("trace this PID only", valueName: "PID"))
    var pid: Int64?
    @Option(name: [.customShort("t", allowingJoined: true), .customLong("tid")], help: ArgumentHelp("trace this TID only", valueName: "TID"))
    var tid: Int64?
    @OptionGroup var flags: OffCpuFlags
    @Option(name: .customLong("state"), help: ArgumentHelp("""
        filter on this thread state bitmask (eg, 2 == TASK_UNINTERRUPTIBLE) see include/linux/sched.h. \
        As libbpf-tools offcputime tests it, the task's whole __state must equal STATE. Since \
        Linux 6.1 most sleeps add TASK_FREEZABLE (8192): a nanosleep or futex wait is 8193, \
        which the live tool refuses (it takes 0-2) and bpfan takes; with no match, the states \
        seen are listed.
        """, valueName: "STATE"))
    var state: Int64?
    @Flag(name: .customLong("tracer-frames"), help: """
        keep the recorder's own frames at the top of kernel stacks: its BPF program \
        (bpf_prog_<tag>_offcpu_switch_btf, named from the recording's BPF symbols) and the \
        tracepoint glue that ran it (bpf_trace_run4, __traceiter_sched_switch). Without it they \
        are left out, as a user comparing with the live tool leaves out the live tool's own \
        (bpf_prog_<tag>_sched_switch, bpf_trace_run4, __traceiter_sched_switch).
        """)
    var tracerFrames = false
    @OptionGroup var svgOptions: SVGOptions
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, then the live tool's [duration] (seconds from the start of the window).", valueName: "recording [duration]"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["sched_switch", "offcpu_stack"] }
    public var flameGraph: FlameGraphRequest? { svgOptions.request(title: Self.flameGraphTitle, countName: Self.flameGraphCountName) }
    public static var flameGraphTitle: String { "Off-CPU Time Flame Graph" }
    public static var flameGraphCountName: String { "us" }

    func validate(numbers: [Int]) throws {
        if let pid, pid < 0 { throw AnalysisError("argument -p/--pid: must be positive") }
        if let tid, tid < 0 { throw AnalysisError("argument -t/--tid: must be positive") }
        if let state, state < 0 { throw AnalysisError("argument --state: must be positive") }
        try flags.check(threadFlags: [pid != nil ? "-p/--pid" : nil, tid != nil ? "-t/--tid" : nil].compactMap { $0 })
        if flags.kernelThreadsOnly && flags.userStacksOnly { throw AnalysisError("ERROR: Displaying user stacks for kernel threads doesn't make sense.") }
    }

    /// libbpf-tools' `get_task_state(t) != state`: equality, whatever its help says of a
    /// bitmask (bcc's Python tool tests `state & STATE`; its output format is the same).
    var filter: OffCpuSpans.Filter { flags.filter(pids: pid.map { [$0] }, tids: tid.map { [$0] }, state: state, stateMatch: .equal) }

    /// Every off-CPU span the flags keep that ends (its thread switched in) before `end`: its
    /// stack key and microseconds, at its end. Returned: what spans had no stack, and with
    /// --state the states the filtered threads' switch-outs had. Render and compare share it.
    func forEachSpan(_ rec: Recording, end: Int64?, ksyms: KernelSymbols?, _ body: (_ ts: Int64, _ key: OffCpuTracker.Key, _ us: UInt64) -> Void) throws
        -> (stackless: StacklessSpans, threadsWithStacks: Set<Int64>, statesSeen: [Int64: Int]) {
        var stackless = StacklessSpans()
        // --state's exact match finds nothing when the kernel adds flags to a sleep: say what was there.
        var statesSeen: [Int64: Int] = [:]
        let threadsWithStacks = try OffCpuSpans(filter: filter, tracerFrames: tracerFrames, ksyms: ksyms, end: end).scan(rec, switchedOut: { tgid, t, prevState in
            if state != nil && (pid ?? tgid) == tgid && (tid ?? t) == t { statesSeen[prevState, default: 0] += 1 }
        }) { span in
            let us = UInt64(span.duration / 1000)
            guard us >= flags.minBlock && us <= flags.maxBlock else { return }
            if let key = span.key { body(span.end, key, us) } else { stackless.add(tid: span.tid, us: us) }
        }
        return (stackless, threadsWithStacks, statesSeen)
    }

    /// The frames of `key` as printed (nil for the half -U / -K leave out); user frames named
    /// with the maps of the program its process ran `at`.
    func frames(_ key: OffCpuTracker.Key, at: Int64, ksyms: KernelSymbols?, usyms: UserSymbols?) -> (kernel: [String]?, user: [String]?) {
        (flags.userStacksOnly ? nil : key.kernelStack.map { ksyms?.name(of: $0) ?? "[unknown]" },
         flags.kernelStacksOnly ? nil : key.userStack.map { usyms?.name(pid: key.tgid, address: $0, at: at) ?? "[unknown]" })
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        try validate(numbers: numbers)
        let ksyms = try KernelSymbols.load(rec.file)
        if ksyms == nil { out.warn("bpfan offcputime: \(rec.path) has no kallsyms metadata; kernel frames print as [unknown]") }
        let end: Int64? = numbers.first.map { rec.effectiveStart &+ Int64(min($0, 1 << 30)) * 1_000_000_000 }
        // Off-CPU time per stack, and when the stack was first seen: its user frames are named
        // with the maps of the program the process ran then (an exec keeps the pid and changes
        // the maps; the comm in the key usually changes too, so one key spans one program).
        var totals: [OffCpuTracker.Key: (us: UInt64, firstSeen: Int64)] = [:]
        let (stackless, threadsWithStacks, statesSeen) = try forEachSpan(rec, end: end, ksyms: ksyms) { ts, key, us in totals[key, default: (0, ts)].us &+= us }
        let stacklessNote = stackless.warning(tool: Self.toolName, rec, threadsWithStacks: threadsWithStacks)
        if let state, totals.isEmpty, stacklessNote == nil, !statesSeen.isEmpty, statesSeen[state] == nil {
            let seen = statesSeen.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5).map { "\($0.key) (\($0.value))" }
            out.warn("bpfan offcputime: --state \(state): no switch-out had a __state of exactly \(state); the states seen (switch-outs): \(seen.joined(separator: ", "))")
        }
        if let stacklessNote { out.warn(stacklessNote) }
        // bcc sorts by time alone (ties in hash order); ties here go by thread, name, stacks.
        let sorted = totals.map { (key: $0.key, us: $0.value.us) }.sorted { a, b in
            if (a.us, a.key.tgid, a.key.tid, a.key.comm) != (b.us, b.key.tgid, b.key.tid, b.key.comm) {
                return (a.us, a.key.tgid, a.key.tid, a.key.comm) < (b.us, b.key.tgid, b.key.tid, b.key.comm)
            }
            if a.key.kernelStack != b.key.kernelStack { return a.key.kernelStack.lexicographicallyPrecedes(b.key.kernelStack) }
            return a.key.userStack.lexicographicallyPrecedes(b.key.userStack)
        }
        // User frames resolve through the recording's process maps and ELF symbol tables; an
        // address they do not cover prints as bcc prints an unresolved one.
        // Only the printed processes' symbol tables are parsed, and none for -K.
        let usyms = flags.kernelStacksOnly ? nil : try UserSymbols.load(rec, pids: Set(sorted.map(\.key.tgid)))
        let needDelimiter = flags.needDelimiter
        if !flags.folded {
            let context = pid.map { "PID \($0)" } ?? tid.map { "TID \($0)" } ?? (flags.userThreadsOnly ? "user threads" : flags.kernelThreadsOnly ? "kernel threads" : "all threads")
            let stackContext = flags.stackContext
            out.text("Tracing off-CPU time (us) of \(context) by \(stackContext) stack" + (numbers.first.map { " for \($0) secs." } ?? "... Hit Ctrl-C to end.") + "\n\n")
        }
        for (key, us) in sorted {
            // bcc offcputime.py's print loop: frames, then "    %-16s %s (%d)" and "        %d\n".
            let style: StackItem.Style = flags.folded
                ? .folded(prefix: key.comm, delimited: needDelimiter, value: String(us))
                : .bcc(delimited: needDelimiter, taskLine: printf("    %-16s %s (%d)\n", "-", .string(key.comm), .int(key.tid)), valueLine: printf("        %d\n\n", .uint(us)))
            let names = frames(key, at: totals[key]?.firstSeen ?? 0, ksyms: ksyms, usyms: usyms)
            var item = StackItem(labels: [("pid", .int(key.tgid)), ("tid", .int(key.tid)), ("comm", .string(key.comm))], kernel: names.kernel, user: names.user,
                                 value: .uint(us), unit: .us, style: style, root: key.comm)
            if names.user != nil { item.jitUser = usyms?.jitFrames(pid: key.tgid, addresses: key.userStack, at: totals[key]?.firstSeen ?? 0) ?? [] }
            out.stack(item)
        }
    }
}
