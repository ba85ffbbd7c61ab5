import ArgumentParser
import TraceAnalysis
import TraceReport

/// bcc profile (tools/profile.py, 0.26): the recording's cpu-clock samples (cpu_sample),
/// counted per process, name, kernel and user stack, least frequent first, printed as the live
/// tool prints them (multi-line, or -f folded). The samples are those `bpfrec record` took at
/// its `--stack-freq` on every CPU, with the same perf event (software cpu-clock, one per CPU,
/// every task) and the same stack walk (bpf_get_stack from the sampled registers) as the live
/// tool's bpf_get_stackid.
public struct Profile: RecordingTool {
    public static let toolName = "profile"
    public static let notes = "bcc 0.26 output; -F must be the recorded --stack-freq or divide it (samples taken down); -c, --cgroupmap, --mntnsmap refused; user frames named for exited processes too (live: [unknown])"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Profile CPU stack traces at a timed interval",
        discussion: """
        The samples are the recording's cpu_sample rows, taken on every CPU at the rate given to \
        `bpfrec record --stack-freq` (49 Hz, profile's default, unless set). -F must be that \
        rate or divide it: then one sample in (rate / F) of each CPU is kept, and a note on \
        stderr says so. Without -F the recorded rate is used.

        As bcc 0.26 does, a kernel stack starts with the sampled instruction pointer twice: the \
        tool inserts the IP ahead of a stack whose walk (from the sampled registers) already \
        begins with it.

        EXAMPLES:
            bpfan profile run.trc             # stack traces at the recorded 49 Hz
            bpfan profile -F 7 run.trc        # one sample in 7 of a 49 Hz recording
            bpfan profile run.trc 5           # the first 5 seconds only
            bpfan profile -f run.trc 5        # folded output, for flame graphs
            bpfan profile --svg cpu.svg run.trc   # and its flame graph
            bpfan profile -p 185 run.trc      # only profile process with PID 185
            bpfan profile -L 185 run.trc      # only profile thread with TID 185
            bpfan profile -U run.trc          # only show user space stacks (no kernel)
            bpfan profile -K run.trc          # only show kernel space stacks (no user)
            bpfan profile -I -C 1 run.trc     # CPU 1 only, idle stacks included
        Record with: bpfrec record --families stacks [--stack-freq HZ] -o run.trc
        """)

    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("profile process with one or more comma separated PIDs only", valueName: "PID"))
    var pid: String?
    @Option(name: [.customShort("L"), .customLong("tid")], help: ArgumentHelp("profile thread with one or more comma separated TIDs only", valueName: "TID"))
    var tid: String?
    @Flag(name: [.customShort("U"), .customLong("user-stacks-only")], help: "show stacks from user space only (no kernel space stacks)")
    var userStacksOnly = false
    @Flag(name: [.customShort("K"), .customLong("kernel-stacks-only")], help: "show stacks from kernel space only (no user space stacks)")
    var kernelStacksOnly = false
    @Option(name: [.customShort("F"), .customLong("frequency")], help: ArgumentHelp("sample frequency, Hertz (the recorded rate or a divisor of it)", valueName: "FREQUENCY"))
    var frequency: Int?
    @Option(name: [.customShort("c"), .customLong("count")], help: ArgumentHelp("sample period, number of events (refused: a recording is sampled by time)", valueName: "COUNT"))
    var count: Int?
    @Flag(name: [.customShort("d"), .customLong("delimited")], help: "insert delimiter between kernel/user stacks")
    var delimited = false
    @Flag(name: [.customShort("a"), .customLong("annotations")], help: "add _[k] annotations to kernel frames")
    var annotations = false
    @Flag(name: [.customShort("I"), .customLong("include-idle")], help: "include CPU idle stacks")
    var includeIdle = false
    @Flag(name: [.customShort("f"), .customLong("folded")], help: "output folded format, one line per stack (for flame graphs)")
    var folded = false
    @Option(name: .customLong("stack-storage-size"), help: ArgumentHelp("the number of unique stack traces that can be stored and displayed (no effect: a recording drops none)", valueName: "N"))
    var stackStorageSize: Int = 16384
    @Option(name: [.customShort("C"), .customLong("cpu")], help: ArgumentHelp("cpu number to run profile on", valueName: "CPU"))
    var cpu: Int = -1
    @Option(name: .customLong("cgroupmap"), help: ArgumentHelp("trace cgroups in this BPF map only (refused: no cgroups recorded)", valueName: "MAPPATH"))
    var cgroupmap: String?
    @Option(name: .customLong("mntnsmap"), help: ArgumentHelp("trace mount namespaces in this BPF map only (refused: no mount namespaces recorded)", valueName: "MAPPATH"))
    var mntnsmap: String?
    @OptionGroup var svgOptions: SVGOptions
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, then the live tool's [duration] (seconds from the start of the window).", valueName: "recording [duration]"))
    public var positionals: [String] = []

    public init() {}

    public static var numericPositionals: [String] { ["duration"] }
    public var requiredTables: [String] { ["cpu_sample"] }
    public var flameGraph: FlameGraphRequest? { svgOptions.request(title: Self.flameGraphTitle, countName: Self.flameGraphCountName) }

    /// bcc's positive_int_list: "185,186" → [185, 186]; the error argparse prints otherwise.
    static func idList(_ text: String, flag: String) throws -> [Int64] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard let v = Int64(part.trimmingCharacters(in: .whitespaces)) else { throw AnalysisError("argument \(flag): must be an integer") }
            guard v >= 0 else { throw AnalysisError("argument \(flag): must be positive") }
            return v
        }
    }

    /// How the recorded samples answer the requested rate: which rate the header names and one
    /// sample in how many of each CPU's is kept.
    func sampling(_ rec: Recording, into out: inout ToolOutput) throws -> (hertz: Int, keepOneIn: Int) {
        let rate = rec.info?.sampleFrequency ?? 49
        if count != nil {
            throw AnalysisError("-c/--count: \(rec.path) was sampled by time, at \(rate) Hz per CPU (cpu-clock); use -F \(rate) or a divisor of it")
        }
        // bcc: `if args.frequency:` — -F 0 is the default rate.
        guard let f = frequency, f != 0 else {
            if rate != 49 { out.warn("bpfan profile: note: \(rec.path) was sampled at \(rate) Hz per CPU (profile's default is 49 Hz); all of its samples are counted") }
            return (rate, 1)
        }
        guard f > 0 else { throw AnalysisError("argument -F/--frequency: must be positive") }
        guard f <= rate, rate % f == 0 else {
            let divisors = (1...rate).filter { rate % $0 == 0 }.map(String.init).joined(separator: ", ")
            throw AnalysisError("-F \(f): \(rec.path) was sampled at \(rate) Hz per CPU; -F must be \(rate) or divide it (\(divisors)), or record with `bpfrec record --stack-freq \(f)`")
        }
        if f != rate {
            out.warn("bpfan profile: note: \(rec.path) was sampled at \(rate) Hz per CPU; -F \(f) keeps one sample in \(rate / f) of each CPU (those a multiple of 1/\(f) s after its first sample)")
        }
        return (f, rate / f)
    }

    struct Key: Hashable {
        var tgid: Int64
        var comm: [UInt8]
        var kernel: [UInt64]
        var user: [UInt64]
    }

    /// Every sample the flags keep, in scan order, with its key; samples at or after `end`
    /// are left out. The validation of the flags is here too: render and compare share it.
    func forEachSample(_ rec: Recording, end: Int64?, into out: inout ToolOutput, _ body: (_ ts: Int64, _ key: Key) -> Void) throws -> (hertz: Int, pids: [Int64]?, tids: [Int64]?) {
        if pid != nil && tid != nil { throw AnalysisError("argument -L/--tid: not allowed with argument -p/--pid") }
        if userStacksOnly && kernelStacksOnly { throw AnalysisError("argument -K/--kernel-stacks-only: not allowed with argument -U/--user-stacks-only") }
        if frequency != nil && count != nil { throw AnalysisError("argument -c/--count: not allowed with argument -F/--frequency") }
        if stackStorageSize < 0 { throw AnalysisError("argument --stack-storage-size: must be positive") }
        if stackStorageSize == 0 { throw AnalysisError("argument --stack-storage-size: must be nonzero") }
        if cgroupmap != nil { throw AnalysisError("--cgroupmap: a recording holds no cgroup membership of its samples") }
        if mntnsmap != nil { throw AnalysisError("--mntnsmap: a recording holds no mount namespace of its samples") }
        let pids = try pid.map { try Self.idList($0, flag: "-p/--pid") }
        let tids = try tid.map { try Self.idList($0, flag: "-L/--tid") }
        if cpu >= 0, let n = rec.host?.cpuCount, cpu >= n {
            throw AnalysisError("-C \(cpu): the recording host had \(n) CPUs (0-\(n - 1))")
        }
        let (hertz, keepOneIn) = try sampling(rec, into: &out)
        if rec.recordedForSomePIDs {
            out.warn("bpfan profile: note: \(rec.path) was recorded with -p: its samples hold only the recorded processes (no idle CPU, no other task)")
        }
        let rate = rec.info?.sampleFrequency ?? 49
        let period = Int64(1_000_000_000 / rate)
        let showKernel = !userStacksOnly, showUser = !kernelStacksOnly
        // Each CPU's samples lie on its timer's grid (the first sample + n periods): with -F
        // below the recorded rate, the n that are multiples of keepOneIn are kept.
        var gridStart: [Int64: Int64] = [:]
        var filterValues: [String: Set<Int64>] = [:]
        if let pids { filterValues["pid"] = Set(pids) }
        if let tids { filterValues["tid"] = Set(tids) }
        if cpu >= 0 { filterValues["cpu"] = [Int64(cpu)] }
        let columns = ["ts", "cpu", "pid", "tid", "comm"] + (showKernel ? ["kstack"] : []) + (showUser ? ["ustack"] : [])
        try rec.scan("cpu_sample", columns: columns, filter: ScanFilter(values: filterValues)) { b in
            let ts = b.ints("ts"), cpus = b.ints("cpu"), tgids = b.ints("pid"), threads = b.ints("tid")
            let comms = b.blobs("comm")
            let kstacks = showKernel ? b.blobs("kstack") : nil, ustacks = showUser ? b.blobs("ustack") : nil
            // Stacks repeat: decode each dictionary entry once.
            let kernelFrames = kstacks?.dictionary.map(StackFrames.decode), userFrames = ustacks?.dictionary.map(StackFrames.decode)
            for r in 0..<b.count {
                if let end, ts[r] >= end { continue }
                if keepOneIn > 1 {
                    let first = gridStart[cpus[r]] ?? ts[r]
                    gridStart[cpus[r]] = first
                    let n = Int64((Double(ts[r] &- first) / Double(period)).rounded())
                    if ((n % Int64(keepOneIn)) + Int64(keepOneIn)) % Int64(keepOneIn) != 0 { continue }
                }
                // IDLE_FILTER is `pid == 0` on the thread id.
                if !includeIdle && threads[r] == 0 { continue }
                var kernel = kernelFrames.map { $0[Int(kstacks!.codes[r])] } ?? []
                // profile.py: `if k.kernel_ip: kernel_stack.insert(0, k.kernel_ip)`, the sampled
                // IP, which the walk of a kernel-mode sample already starts with.
                if let ip = kernel.first { kernel.insert(ip, at: 0) }
                body(ts[r], Key(tgid: tgids[r], comm: comms.dictionary[Int(comms.codes[r])], kernel: kernel,
                                user: userFrames.map { $0[Int(ustacks!.codes[r])] } ?? []))
            }
        }
        return (hertz, pids, tids)
    }

    /// The frames of `key` as printed: kernel names (annotated with -a) and user names resolved
    /// with the maps of the program its process ran `at`; nil for the half the flags leave out.
    func frames(_ key: Key, at: Int64, ksyms: KernelSymbols?, usyms: UserSymbols?) -> (kernel: [String]?, user: [String]?) {
        (userStacksOnly ? nil : key.kernel.map { (ksyms?.name(of: $0) ?? "[unknown]") + (annotations ? "_[k]" : "") },
         kernelStacksOnly ? nil : key.user.map { usyms?.name(pid: key.tgid, address: $0, at: at) ?? "[unknown]" })
    }

    /// The symbols that name the frames of `keys`: kernel ones (a warning when the recording has
    /// none) unless -U, user ones of their processes unless -K.
    func symbols(_ rec: Recording, pids: Set<Int64>, into out: inout ToolOutput) throws -> (KernelSymbols?, UserSymbols?) {
        let ksyms = userStacksOnly ? nil : try KernelSymbols.load(rec.file)
        if !userStacksOnly && ksyms == nil { out.warn("bpfan profile: \(rec.path) has no kallsyms metadata; kernel frames print as [unknown]") }
        return (ksyms, kernelStacksOnly ? nil : try UserSymbols.load(rec, pids: pids))
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let end: Int64? = numbers.first.map { rec.effectiveStart &+ Int64(min($0, 1 << 30)) * 1_000_000_000 }
        var counts: [Key: Int64] = [:]
        var firstSeen: [Key: Int64] = [:]
        let (hertz, pids, tids) = try forEachSample(rec, end: end, into: &out) { ts, key in
            counts[key, default: 0] += 1
            if firstSeen[key] == nil { firstSeen[key] = ts }
        }

        let (ksyms, usyms) = try symbols(rec, pids: Set(counts.keys.map(\.tgid)), into: &out)

        if !folded {
            let list: ([Int64]) -> String = { "[" + $0.map(String.init).joined(separator: ", ") + "]" }
            let threadContext = pids.map { "PID " + list($0) } ?? tids.map { "TID " + list($0) } ?? "all threads"
            let stackContext = userStacksOnly ? "user" : kernelStacksOnly ? "kernel" : "user + kernel"
            out.text("Sampling at \(hertz) Hertz of \(threadContext) by \(stackContext) stack" + (cpu >= 0 ? " on CPU#\(cpu)" : "")
                     + (numbers.first.map { " for \($0) secs.\n" } ?? "... Hit Ctrl-C to end.\n"))
            // The print() after the sampling sleep.
            out.text("\n")
        }
        let needDelimiter = delimited && !(kernelStacksOnly || userStacksOnly)
        // Least frequent first, as bcc sorts; ties (hash order there) by pid, comm, stacks.
        let sorted = counts.sorted { a, b in
            if a.value != b.value { return a.value < b.value }
            if a.key.tgid != b.key.tgid { return a.key.tgid < b.key.tgid }
            if a.key.comm != b.key.comm { return a.key.comm.lexicographicallyPrecedes(b.key.comm) }
            if a.key.kernel != b.key.kernel { return a.key.kernel.lexicographicallyPrecedes(b.key.kernel) }
            return a.key.user.lexicographicallyPrecedes(b.key.user)
        }
        for (key, n) in sorted {
            let comm = String(decoding: key.comm, as: UTF8.self)
            let at = firstSeen[key] ?? 0
            let style: StackItem.Style = folded
                ? .folded(prefix: comm, delimited: needDelimiter, value: String(n))
                : .bcc(delimited: needDelimiter, taskLine: printf("    %-16s %s (%d)\n", "-", .string(comm), .int(key.tgid)), valueLine: printf("        %d\n\n", .int(n)))
            let names = frames(key, at: at, ksyms: ksyms, usyms: usyms)
            var item = StackItem(labels: [("pid", .int(key.tgid)), ("comm", .string(comm))], kernel: names.kernel, user: names.user,
                                 value: .int(n), unit: .count, style: style, root: comm)
            if names.user != nil { item.jitUser = usyms?.jitFrames(pid: key.tgid, addresses: key.user, at: at) ?? [] }
            out.stack(item)
        }
    }
}
