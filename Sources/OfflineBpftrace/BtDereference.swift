import TraceAnalysis

/// The `->` chains a recording can serve, each from what the recorder kept for it, and
/// nothing else: a chain outside this list reads memory that was never recorded, and is
/// refused naming it.
/// - `curtask->pid`, `->tgid`, `->comm`: the event's tid, pid and comm;
///   `curtask->real_parent->pid`, `->tgid`, `->comm`: the parent thread replayed from the
///   process tables (ParentTimeline); `curtask->se.cfs_rq->nr_running` at profile probes: the
///   run-queue length the recorder reads from the same field at each CPU sample. Also through
///   variables: `$t = (struct task_struct *)curtask; $t->real_parent->pid`.
/// - `((struct request *)arg0)->q->disk->disk_name` of the block kprobes --map-kprobes serves:
///   the disk of the recorded request's device (block_devices metadata).
/// - `args->rqtp->tv_sec` / `->tv_nsec` of syscalls:sys_enter_nanosleep and
///   sys_enter_clock_nanosleep: the request timespec the syscalls family copies into the
///   call's syscall_detail row.
extension BtCompiler {
    static let servedTaskFields = "curtask->pid, ->tgid, ->comm, ->real_parent->pid, ->real_parent->tgid, ->real_parent->comm, and ->se.cfs_rq->nr_running at profile probes"
    static let timespecEvents: Set<String> = ["syscalls:sys_enter_nanosleep", "syscalls:sys_enter_clock_nanosleep"]
    /// The task's fields a recording serves, as member paths from curtask.
    static let taskLeaves: Set<[String]> = [
        ["pid"], ["tgid"], ["comm"], ["real_parent", "pid"], ["real_parent", "tgid"], ["real_parent", "comm"],
        ["se", "cfs_rq", "nr_running"], ["se", "cfs_rq", "nr_queued"],
    ]

    /// The member path from curtask that `e` points to (`curtask`, `(struct task_struct *)curtask`,
    /// `$task->real_parent`, `(struct cfs_rq *)$task->se.cfs_rq`, a variable holding one), where
    /// it leads on to a served field; nil for anything else.
    func taskPath(_ e: BtExpr) -> [String]? {
        switch e {
        case .builtin("curtask", _): return []
        case .structCast(let type, let inner, _):
            guard let path = taskPath(inner) else { return nil }
            // The task itself is only ever a task_struct.
            return path.isEmpty && type != "struct task_struct" ? nil : path
        case .variable(let name, _): return taskVariables[name]
        case .member(let base, let members, _):
            guard let path = taskPath(base).map({ $0 + members }), Self.taskLeaves.contains(where: { $0.count > path.count && Array($0.prefix(path.count)) == path }) else { return nil }
            return path
        default: return nil
        }
    }

    /// A pointer into the current task that the program keeps in a variable to read fields through.
    func isTaskPointer(_ e: BtExpr) -> Bool { taskPath(e) != nil }

    /// argN of a kprobe --map-kprobes serves with a struct behind it, cast to that struct
    /// (`(struct oom_control *)arg0`) or kept in a variable: N.
    func kprobePointer(_ e: BtExpr) -> Int? {
        switch e {
        case .structCast(let type, .builtin(let arg, _), _):
            guard arg.hasPrefix("arg"), let n = Int(arg.dropFirst(3)), kprobePointers[n]?.type == type else { return nil }
            return n
        case .variable(let name, _): return pointerVariables[name]
        default: return nil
        }
    }

    mutating func member(_ base: BtExpr, _ path: [String], _ at: BtPosition) throws(BtError) -> (type: BtType, eval: BtEval) {
        let whole = Self.text(.member(base, path, at))
        if let start = taskPath(base) { return try taskField(start + path, whole, at) }
        if let n = kprobePointer(base) { return try kprobeField(kprobePointers[n]!, path, whole, at) }
        if let start = structPath(base) { return try structMember(start, path, whole, at) }
        if case .structCast("struct request", .builtin(let arg, _), _) = base, path == ["q", "disk", "disk_name"] {
            return try requestDisk(arg, whole, at)
        }
        if case .field(let name, let fieldAt) = base {
            guard let source else { throw BtError(fieldAt, "args->\(name): only tracepoint probes have args") }
            // An unknown field is named as such first.
            _ = try field(name, fieldAt)
            return try timespecField(source, name, path, whole, at)
        }
        throw BtError(at, "\(whole): dereferences memory a recording does not hold (served: args-> fields of recorded tracepoints, args->rqtp->tv_sec and ->tv_nsec of nanosleep and clock_nanosleep, ((struct request *)arg0)->q->disk->disk_name of the mapped block kprobes, \(Self.servedTaskFields))")
    }

    func taskField(_ path: [String], _ whole: String, _ at: BtPosition) throws(BtError) -> (type: BtType, eval: BtEval) {
        guard Self.taskLeaves.contains(path) else {
            throw BtError(at, "\(whole): the current task's memory is not in a recording; it serves \(Self.servedTaskFields) (from the event, the process tables and the CPU samples)")
        }
        switch path {
        case ["pid"]: return try builtin("tid", at)
        case ["tgid"]: return try builtin("pid", at)
        case ["comm"]: return try builtin("comm", at)
        case ["se", "cfs_rq", "nr_running"], ["se", "cfs_rq", "nr_queued"]:
            // The recorder reads task->se.cfs_rq->nr_queued (nr_running before 6.14) at each CPU sample.
            guard let source, let columns, source.table == "cpu_sample" else {
                throw BtError(at, "\(whole): served at profile probes only, from the run-queue length each recorded CPU sample took")
            }
            let slot = columns.slot("runq_len")
            return (.int, { c in .int(c.ints[slot][c.index]) })
        default:
            guard let columns else { throw BtError(at, "\(whole) in BEGIN, END or interval would be bpftrace's own task, which a recording does not have") }
            guard let parents = parents() else { throw BtError(at, "\(whole): the recording has no process tables to take parents from (record the proc family)") }
            let tid = columns.slot("tid")
            func parent(_ c: BtContext) -> Int64? {
                if let p = parents.parent(c.ints[tid][c.index], at: c.time) { return p }
                if c.program.unknownParentEvent != (c.time, c.index) {
                    c.program.unknownParents += 1
                    c.program.unknownParentEvent = (c.time, c.index)
                }
                return nil
            }
            switch path[1] {
            case "pid": return (.int, { c in .int(parent(c) ?? 0) })
            case "tgid": return (.int, { c in .int(parent(c).map(parents.process(of:)) ?? 0) })
            default: return (.string, { c in .string(parent(c).map { parents.comms.comm($0, at: c.time) } ?? []) })
            }
        }
    }

    /// `((struct request *)argN)->q->disk->disk_name` of a kprobe served by a block tracepoint
    /// whose argN is the request (--map-kprobes): the disk of the row's device, named as the
    /// recording's block_devices names it.
    func requestDisk(_ arg: String, _ whole: String, _ at: BtPosition) throws(BtError) -> (type: BtType, eval: BtEval) {
        guard let n = Int(arg.dropFirst(3)), arg.hasPrefix("arg"), kprobeArguments[n] == "rq", let source, let columns, source.field("dev") != nil else {
            throw BtError(at, "\(whole): served only where argN is a block request recorded with its device (blk_account_io_start/done, blk_mq_start_request under --map-kprobes)")
        }
        let names = diskNames()
        guard !names.isEmpty else { throw BtError(at, "\(whole): this recording has no block_devices metadata to name disks from") }
        let slot = columns.slot("dev")
        let bytes = names.mapValues { Array($0.utf8) }
        return (.string, { c in
            if let name = bytes[UInt32(truncatingIfNeeded: c.ints[slot][c.index])] { return .string(name) }
            c.program.unknownDisks += 1
            return .string([])
        })
    }

    /// A field of a mapped kprobe's struct argument: the tracepoint's field that holds it, or
    /// the host's pages.
    mutating func kprobeField(_ pointer: BtKprobeMap.Pointer, _ path: [String], _ whole: String, _ at: BtPosition) throws(BtError) -> (type: BtType, eval: BtEval) {
        guard let field = pointer.fields[path] else {
            let served = pointer.fields.keys.map { "->" + $0.joined(separator: "->") }.sorted().joined(separator: ", ")
            throw BtError(at, "\(whole): \(probeName)'s \(pointer.type) is not in the recording; it serves \(served)")
        }
        switch field {
        case .tracepointField(let name): return try self.field(name, at)
        case .hostPages:
            guard let pages = hostPages else { throw BtError(at, "\(whole): this recording does not hold the host's RAM and swap (made by an older bpfrec)") }
            return (.int, { _ in .int(pages) })
        }
    }

    /// cat("/proc/loadavg"): the recorder's latest read of it at or before the event, as the
    /// file read then (its line and newline).
    func catLoadAverage(_ at: BtPosition) throws(BtError) -> BtExec {
        guard let loads = loadAverages(), !loads.reads.isEmpty else {
            throw BtError(at, "cat(\"/proc/loadavg\"): this recording has no load_average rows (bpfrec reads /proc/loadavg once a second; an older bpfrec did not)")
        }
        return { c in
            // The recorder reads it first just after its probes attach: an event in those
            // milliseconds gets that first read, and the run says how many did.
            let load: LoadAverage
            if let latest = loads.latest(atOrBefore: c.time) { load = latest } else {
                load = loads.reads[0]
                c.program.loadReadsAfterEvent += 1
            }
            c.program.emit("cat", text: load.procText + "\n")
        }
    }

    func timespecField(_ source: TracepointSource, _ name: String, _ path: [String], _ whole: String, _ at: BtPosition) throws(BtError) -> (type: BtType, eval: BtEval) {
        guard Self.timespecEvents.contains(source.event), name == "rqtp", path.count == 1, let offset = ["tv_sec": 0, "tv_nsec": 8][path[0]] else {
            throw BtError(at, "\(whole): the memory behind args->\(name) is not in the recording (it holds args->rqtp->tv_sec and ->tv_nsec of syscalls:sys_enter_nanosleep and sys_enter_clock_nanosleep: the timespec the syscalls family keeps)")
        }
        guard source.table == "syscall_detail", let columns else {
            throw BtError(at, "\(whole): \(source.event) is recorded here without the request's timespec (the syscalls family keeps it: bpfrec record --families syscalls)")
        }
        let slot = columns.slot("data")
        return (.int, { c in
            // A request the recorder could not read (a bad pointer) reads 0, as bpftrace's failed probe read does.
            let data = c.row!.bytes(slot)
            guard data.count >= offset + 8 else { return .int(0) }
            return .int(data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int64.self) })
        })
    }

    /// An expression as the program wrote it, near enough to name it in an error.
    static func text(_ e: BtExpr) -> String {
        switch e {
        case .builtin(let name, _), .variable(let name, _): return name
        case .field(let name, _): return "args->" + name
        case .member(let base, let path, _): return text(base) + path.map { "->" + $0 }.joined()
        case .structCast(let type, let inner, _): return "(\(type) *)" + text(inner)
        case .call(let name, _, _): return name + "()"
        case .map(let name, _, _): return name
        default: return "the expression"
        }
    }
}
