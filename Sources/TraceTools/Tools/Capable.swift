import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools capable (0.26): one line per security capability check, with its verdict. The
/// live kprobe/kretprobe pair on cap_capable cannot attach here; tracepoint
/// capability:cap_capable fires at the end of every check with the capability and the result.
/// Its opts argument (AUDIT, INSETID) is not in the tracepoint: recorded with its kernel stack
/// (`--stack-events capability:cap_capable`), the options are read from the function that
/// called the check, as the kernel passes them; without stacks those columns print `-`.
public struct Capable: RecordingTool {
    public static let toolName = "capable"
    public static let notes = "from capability:cap_capable (record with --stack-events capability:cap_capable, or -e without AUDIT/INSETID); AUDIT and INSETID from the calling function"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace security capability checks (cap_capable()).",
        discussion: """
        Record the checks with `bpfrec record --families proc --stack-events \
        capability:cap_capable --stack kernel`: the kernel stack gives AUDIT and INSETID (and
        -K its frames); `-e capability:cap_capable` records the checks without them.

        EXAMPLES:
            bpfan capable run.trc             # trace capability checks
            bpfan capable -p 181 run.trc      # only trace PID 181
            bpfan capable -K run.trc          # add kernel stacks to trace
            bpfan capable -x run.trc          # extra fields: TID and INSETID columns
            bpfan capable -u pid run.trc      # print unique output per PID
        """)

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose debug output (accepted: the live tool's debug output is libbpf's)")
    var verbose = false
    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Trace this PID only", valueName: "PID"))
    var pid: Int64?
    @Option(name: [.customShort("c"), .customLong("cgroup")], help: ArgumentHelp("Trace process in cgroup path (not recorded: refused)", valueName: "/sys/fs/cgroup/unified"))
    var cgroup: String?
    @Flag(name: [.customShort("K"), .customLong("kernel-stack")], help: "output kernel stack trace")
    var kernelStack = false
    @Flag(name: [.customShort("U"), .customLong("user-stack")], help: "output user stack trace")
    var userStack = false
    @Flag(name: [.customShort("x"), .customLong("extra-fields")], help: "extra fields: show TID and INSETID columns")
    var extraFields = false
    @Option(name: [.customShort("u"), .customLong("unique")], help: ArgumentHelp("Print unique output for <pid> or <cgroup> (default:off)", valueName: "off"))
    var unique: String?
    @Option(name: .customLong("perf-max-stack-depth"), help: ArgumentHelp("the limit for both kernel and user stack traces", valueName: "PERF-MAX-STACK-DEPTH"))
    var perfMaxStackDepth: Int = 127
    @Option(name: .customLong("stack-storage-size"), help: ArgumentHelp("the number of unique stack traces that can be stored and displayed (accepted)", valueName: "STACK-STORAGE-SIZE"))
    var stackStorageSize: Int = 1024
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public func validate() throws {
        if let pid, pid <= 0 { throw ValidationError("invalid PID: \(pid)") }
        if perfMaxStackDepth <= 0 { throw ValidationError("invalid perf max stack depth: \(perfMaxStackDepth)") }
        if stackStorageSize <= 0 { throw ValidationError("invalid stack storage size: \(stackStorageSize)") }
        if let unique, unique != "pid", unique != "cgroup" { throw ValidationError("Unknown unique type \(unique)") }
    }

    public var requiredTables: [String] { [] }

    static let event = "capability:cap_capable"

    /// cap_capable's opts (CAP_OPT_NOAUDIT, CAP_OPT_INSETID of include/linux/security.h), from
    /// the function that asked: the frame below security_capable (or below cap_capable, for
    /// commoncap's own direct calls). The kernel's callers that pass CAP_OPT_NOAUDIT are the
    /// *_noaudit functions of kernel/capability.c, cap_vm_enough_memory (inlined into
    /// security_vm_enough_memory_mm) and kallsyms_show_value; INSETID is ns_capable_setid's.
    static func options(frames: [String]) -> (audit: Bool, insetid: Bool) {
        guard !frames.isEmpty else { return (true, false) }
        let below = frames.firstIndex { $0 == "security_capable" }.map { $0 + 1 } ?? (frames.firstIndex { $0 == "cap_capable" }.map { $0 + 1 } ?? 0)
        guard below < frames.count else { return (true, false) }
        let caller = String(frames[below].prefix { $0 != "." })
        let noaudit = caller.hasSuffix("_noaudit") || ["cap_vm_enough_memory", "security_vm_enough_memory_mm", "kallsyms_show_value"].contains(caller)
        return (!noaudit, caller == "ns_capable_setid")
    }

    /// The live tool's info map key: the process, thread and stacks of a check.
    struct StackKey: Hashable { var pid: Int64; var tid: Int64; var kernel: [UInt64]; var user: [UInt64] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if cgroup != nil { throw AnalysisError("-c: recordings carry no cgroup membership; cannot filter by cgroup") }
        if unique == "cgroup" { throw AnalysisError("-u cgroup: recordings carry no cgroup membership; use -u pid") }
        let source = try rec.tracepointSource(Self.event)
        guard let cap = source.field("cap"), let ret = source.field("ret") else {
            throw AnalysisError("\(Self.event) in this recording lacks the cap and ret fields capable prints")
        }
        let table = rec.countableTracepoints[Self.event]
        let recorded = table.map { rec.columnNames(of: $0) } ?? []
        let hasKernel = recorded.contains("kstack"), hasUser = recorded.contains("ustack")
        if kernelStack && !hasKernel { throw AnalysisError("-K: \(Self.event) was recorded without kernel stacks: record it with `bpfrec record --stack-events \(Self.event) --stack kernel`") }
        if userStack && !hasUser { throw AnalysisError("-U: \(Self.event) was recorded without user stacks: record it with `bpfrec record --stack-events \(Self.event) --stack user`") }
        let uids = rec.hasTable(ProcessSnapshotRow.table) || rec.hasTable(ProcessForkRow.table) ? try rec.uidTimeline() : nil
        if uids == nil { out.warn("bpfan capable: note: this recording has no process tables (record with --families proc): UID prints as -") }
        let ksyms = hasKernel ? try KernelSymbols.load(rec.file) : nil
        if hasKernel {
            out.warn("bpfan capable: note: AUDIT and INSETID are cap_capable's opts, which the tracepoint does not carry: read from the function that called the check (its recorded kernel stack)")
        } else {
            out.warn("bpfan capable: note: AUDIT and INSETID (cap_capable's opts) are not in \(Self.event) and print as -: record it with --stack-events \(Self.event) --stack kernel to have them")
        }
        let columns = TracepointColumns()
        let pidSlot = columns.slot("pid"), tidSlot = columns.slot("tid"), capSlot = columns.slot(cap.column), retSlot = columns.slot(ret.column)
        let kstackSlot = hasKernel ? columns.slot("kstack") : nil, ustackSlot = userStack ? columns.slot("ustack") : nil
        columns.useComm()
        let usyms = userStack ? try UserSymbols.load(rec) : nil

        // handle_event(): "%-8s %-5d %-7d [%-7d] %-16s %-7d %-20s %-7d %-7s [%-7d]\n".
        var b = RowLayout.Builder(.event, "capability_check")
        b.json("time")
        b.add("clock", header: "%-8s ", "TIME", row: "%-8s ", inJSON: false)
        b.add("uid", header: "%-5s ", "UID", row: "%-5s ")
        b.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        b.add("tid", header: "%-7s ", "TID", row: "%-7d ", shown: extraFields)
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.add("cap", header: "%-7s ", "CAP", row: "%-7d ")
        b.add("name", header: "%-20s ", "NAME", row: "%-20s ")
        b.add("audit", header: "%-7s ", "AUDIT", row: "%-7s ")
        b.add("verdict", header: extraFields ? "%-7s " : "%-7s", "VERDICT", row: extraFields ? "%-7s " : "%-7s")
        b.add("insetid", header: "%-7s", "INSETID", row: "%-7s", shown: extraFields)
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)

        var seen = Set<[Int64]>()
        // print_map() after every event: every (pid, tid, stacks) seen so far, first seen first
        // (the live tool walks its hash map).
        var stackKeys: [StackKey] = [], stackComm: [StackKey: String] = [:]
        let depth = perfMaxStackDepth
        try rec.scanTracepoints([TracepointProbeInput(source: source, columns: columns)]) { hit in
            let row = hit.row.batch, r = hit.row.row
            let tgid = row.ordered[pidSlot][r], tid = row.ordered[tidSlot][r], capability = row.ordered[capSlot][r]
            if let pid, tgid != pid { return }
            if unique == "pid" {
                guard seen.insert([capability, tgid]).inserted else { return }
            }
            let kernel = kstackSlot.map { StackFrames.decode(hit.row.bytes($0)) } ?? []
            let opts: (audit: Bool, insetid: Bool)? = kstackSlot == nil ? nil : Self.options(frames: kernel.map { ksyms?.name(of: $0) ?? "" })
            let comm = String(decoding: hit.row.comm, as: UTF8.self)
            let uid = uids?.uid(tid, at: hit.time).map(String.init) ?? "-"
            out.row(layout, [.time(hit.time), .string(rec.hms(hit.time)), .string(uid), .int(tgid), .int(tid), .string(comm), .int(capability), .string(CapabilityNames.name(capability)),
                             .string(opts.map { $0.audit ? "1" : "0" } ?? "-"), .string(row.ordered[retSlot][r] == 0 ? "allow" : "deny"),
                             .string(opts.map { $0.insetid ? "1" : "0" } ?? "-")])
            guard kernelStack || userStack else { return }
            // The live stack is a kretprobe's, taken as cap_capable returns: it starts at the caller.
            let shown = kernelStack ? Array(kernel.drop { ksyms?.name(of: $0) == "cap_capable" }) : []
            let key = StackKey(pid: tgid, tid: tid, kernel: shown, user: ustackSlot.map { StackFrames.decode(hit.row.bytes($0)) } ?? [])
            if stackComm.updateValue(comm, forKey: key) == nil { stackKeys.append(key) }
            for k in stackKeys {
                var text = ""
                if kernelStack { for a in k.kernel.prefix(depth) { text += "    \(ksyms?.name(of: a) ?? "Unknown")\n" } }
                if userStack { for a in k.user.prefix(depth) { text += "    \(usyms?.name(pid: k.pid, address: a, at: hit.time) ?? "[unknown]")\n" } }
                text += printf("    %-16s %s (%d)\n", .string("-"), .string(stackComm[k] ?? ""), .int(k.pid))
                out.text(text)
            }
        }
    }
}
