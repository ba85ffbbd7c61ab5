import ArgumentParser
import TraceAnalysis
import TraceFormat
import TraceReport

/// libbpf-tools wakeuptime (0.26): the time from a thread's switch-out to its wakeup, summed
/// per waker kernel stack, waker name and target name. As the live tool: every switch-out
/// stamps the thread switched out (sched_switch, any state), a sched_wakeup of a stamped thread
/// takes the stamp away and charges the time since it to the waker's stack taken at that
/// wakeup. The stacks are those of `bpfrec record --stack-events sched:sched_wakeup`.
public struct Wakeuptime: RecordingTool {
    public static let toolName = "wakeuptime"
    public static let notes = "libbpf-tools 0.26 output; waker stacks from --stack-events sched:sched_wakeup; the tracepoint's own frames left out (--tracer-frames keeps them); keys sorted by time (live: hash order); -u tells kernel threads by kthreadd's children (process snapshot, and its forks with the proc family)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize sleep to wakeup time by waker kernel stack.",
        discussion: """
        Record with: bpfrec record --families proc,sched --stack-events sched:sched_wakeup -o run.trc

        The waker's stack is taken at the sched:sched_wakeup tracepoint, so it starts with the \\
        tracepoint's frame (__traceiter_sched_wakeup), as the live tool's starts with its own \\
        program's (bpf_prog_<tag>_sched_wakeup, bpf_trace_run1, __traceiter_sched_wakeup): \\
        those are left out unless --tracer-frames.

        EXAMPLES:
            bpfan wakeuptime run.trc          # trace blocked time with waker stacks
            bpfan wakeuptime run.trc 5        # the first 5 seconds only
            bpfan wakeuptime -u run.trc       # user threads only (no kernel threads)
            bpfan wakeuptime -p 185 run.trc   # trace for PID 185 only
        """)

    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("trace this PID only", valueName: "PID"))
    var pid: Int64?
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "show raw addresses (no effect: the live tool prints them always)")
    var verbose = false
    @Flag(name: [.customShort("u"), .customLong("user-threads-only")], help: "user threads only (no kernel threads)")
    var userThreadsOnly = false
    @Option(name: .customLong("perf-max-stack-depth"), help: ArgumentHelp("the limit for both kernel and user stack traces", valueName: "PERF-MAX-STACK-DEPTH"))
    var perfMaxStackDepth = 127
    @Option(name: .customLong("stack-storage-size"), help: ArgumentHelp("the number of unique stack traces that can be stored and displayed (no effect: a recording drops none)", valueName: "STACK-STORAGE-SIZE"))
    var stackStorageSize = 1024
    @Option(name: [.customShort("m"), .customLong("min-block-time")], help: ArgumentHelp("the amount of time in microseconds over which we store traces", valueName: "MIN-BLOCK-TIME"))
    var minBlock: Int64 = 1
    @Option(name: [.customShort("M"), .customLong("max-block-time")], help: ArgumentHelp("the amount of time in microseconds under which we store traces (default: no limit)", valueName: "MAX-BLOCK-TIME"))
    var maxBlockOption: Int64?
    /// The live tool's default is U64_MAX: no limit.
    var maxBlock: Int64 { maxBlockOption ?? -1 }
    @Flag(name: .customLong("tracer-frames"), help: "keep the tracepoint's own frames (__traceiter_sched_wakeup) at the top of the waker stacks")
    var tracerFrames = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, then the live tool's [duration] (seconds from the start of the window).", valueName: "recording [duration]"))
    public var positionals: [String] = []

    public init() {}

    public static var numericPositionals: [String] { ["duration"] }
    static let wakeupEvent = "sched:sched_wakeup"
    public var requiredTables: [String] { ["sched_switch"] }
    public var lossFamilies: Set<String> { ["sched", Recording.tracepointsFamily] }

    struct Key: Hashable {
        var waker: String
        var target: String
        var stack: [UInt64]
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        // The live tool compares the microseconds as unsigned: -M's default -1 is U64_MAX.
        let minNs = UInt64(bitPattern: minBlock) &* 1000, maxNs = UInt64(bitPattern: maxBlock) &* 1000
        if UInt64(bitPattern: minBlock) >= UInt64(bitPattern: maxBlock) { throw AnalysisError("min_block_time should be smaller than max_block_time") }
        if perfMaxStackDepth <= 0 { throw AnalysisError("--perf-max-stack-depth \(perfMaxStackDepth): must be positive") }
        if userThreadsOnly && (pid ?? 0) > 0 { out.warn("use either -u or -p") }
        guard rec.file.tableID(named: Self.wakeupEvent) != nil else {
            throw AnalysisError("\(rec.path) has no \(Self.wakeupEvent) table with the wakers' stacks; record it with `bpfrec record --families proc,sched --stack-events \(Self.wakeupEvent)`")
        }
        let columns = rec.columnNames(of: Self.wakeupEvent)
        guard columns.contains("kstack") else {
            throw AnalysisError("\(Self.wakeupEvent) was recorded without kernel stacks: record it with `bpfrec record --stack-events \(Self.wakeupEvent)`")
        }
        let kernelThreads = userThreadsOnly ? try self.kernelThreads(rec) : []
        let ksyms = try KernelSymbols.load(rec.file)
        if ksyms == nil { out.warn("bpfan wakeuptime: \(rec.path) has no kallsyms metadata; kernel frames print as Unknown") }
        let end: Int64? = numbers.first.map { rec.effectiveStart &+ Int64(min($0, 1 << 30)) * 1_000_000_000 }

        var start: [Int64: Int64] = [:]
        var totals: [Key: UInt64] = [:]
        let sources = [ScanSource(SchedSwitchRow.self, reading: [\.pid, \.tid]),
                       ScanSource(Self.wakeupEvent, ["ts", "arg_pid", "comm", "task_comm", "kstack"])]
        try rec.scanMerged(sources) { m in
            if let end, m.ts >= end { return }
            if m.source == 0 {
                // offcpu_sched_switch(prev): the current task, whatever its state.
                let row = SchedSwitchRow(m)
                if let pid, pid != 0, row.pid != pid { return }
                if userThreadsOnly && kernelThreads.contains(row.tid) { return }
                start[row.tid] = m.ts
                return
            }
            // wakeup(p): the woken thread's stamp, taken away even when its time is filtered.
            let target = m.int(1)
            guard let stamp = start.removeValue(forKey: target) else { return }
            let delta = UInt64(bitPattern: m.ts &- stamp)
            if delta < minNs || delta > maxNs { return }
            var stack = StackFrames.decode(m.batch.orderedBlobs[4].dictionary[Int(m.batch.orderedBlobs[4].codes[m.row])])
            if !tracerFrames, let ksyms { stack.removeFirst(ksyms.probeFrameCount(stack)) }
            totals[Key(waker: m.string(3), target: m.string(2), stack: stack), default: 0] &+= delta
        }

        out.text("Tracing blocked time (us) by kernel stack\n")
        // Hash order live; here by time, then target, waker and stack.
        let sorted = totals.sorted { a, b in
            if a.value != b.value { return a.value < b.value }
            if a.key.target != b.key.target { return a.key.target < b.key.target }
            if a.key.waker != b.key.waker { return a.key.waker < b.key.waker }
            return a.key.stack.lexicographicallyPrecedes(b.key.stack)
        }
        for (key, ns) in sorted {
            // print_map(): "\n\t%-16s %s\n", "\t%-16lx %s\n" per frame, "\t%16s %s\n", then the
            // u64 sum read into an int and divided: `int val; val /= 1000; printf("\t%d\n")`.
            let frames = key.stack.prefix(perfMaxStackDepth)
            let value = Int64(Int32(truncatingIfNeeded: ns) / 1000)
            // Text frames carry the address, as printed; JSON keeps the names.
            let names = frames.map { a in
                let name = ksyms?.name(of: a) ?? "Unknown"
                return out.mode == .text ? printf("%-16lx %s", .uint(a), .string(name)) : name
            }
            out.text(printf("\n\t%-16s %s\n", "target:", .string(key.target)))
            out.stack(StackItem(labels: [("target", .string(key.target)), ("waker", .string(key.waker))],
                                kernel: names, user: nil, value: .int(value), unit: .us,
                                style: .bcc(delimited: false, taskLine: printf("\t%16s %s\n", "waker:", .string(key.waker)),
                                            valueLine: printf("\t%d\n", .int(value)), frameIndent: "\t", always: true)))
        }
    }

    /// Kernel threads (PF_KTHREAD is not recorded): kthreadd (pid 2) and its children, from the
    /// proc family's process snapshot and forks.
    func kernelThreads(_ rec: Recording) throws -> Set<Int64> {
        guard rec.file.tableID(named: "process_snapshot") != nil else {
            throw AnalysisError("-u: \(rec.path) has no process_snapshot table to tell kernel threads by; record with `bpfrec record --families proc,sched --stack-events \(Self.wakeupEvent)`")
        }
        var out: Set<Int64> = [2]
        try rec.scan("process_snapshot", columns: ["pid", "tid", "ppid"]) { b in
            let pids = b.ints("pid"), tids = b.ints("tid"), ppids = b.ints("ppid")
            for r in 0..<b.count where ppids[r] == 2 || pids[r] == 2 { out.insert(tids[r]) }
        }
        if rec.file.tableID(named: "process_fork") != nil {
            try rec.scan("process_fork", columns: ["pid", "child_pid"]) { b in
                let pids = b.ints("pid"), children = b.ints("child_pid")
                for r in 0..<b.count where pids[r] == 2 { out.insert(children[r]) }
            }
        }
        return out
    }
}
