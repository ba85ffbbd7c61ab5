import TraceAnalysis
import TraceExpressions
import TraceReport

/// The state one probe invocation runs with: the event (none for BEGIN, END, interval),
/// its time, the probe's scratch variables, and the program's shared state.
final class BtContext {
    let program: BtRuntime
    /// The event; set with `set(_:)`, which keeps the three below in step.
    var row: TracepointRow?
    /// The event's integer columns, row index and comm, kept beside `row` so that builtins and
    /// plain fields read them without copying the row value (three references) per read.
    /// BtWorker moves the index (in both) and the comm along a batch.
    var ints: [[Int64]] = []
    var index = 0
    var comm: [UInt8] = []
    var time: Int64 = 0
    var scratch: [BtValue] = []
    var returned = false
    init(program: BtRuntime) { self.program = program }

    func set(_ row: TracepointRow?) {
        self.row = row
        ints = row?.batch.ordered ?? []
        index = row?.row ?? 0
        comm = row?.comm ?? []
    }
}

/// What the whole program shares: maps, output, exit.
final class BtRuntime {
    let maps = BtMaps()
    var out: ToolOutput
    var exited = false
    var error: BtError?
    /// join() lines whose arguments an older recorder may have cut shorter than bpftrace reads.
    var shortenedArgs = 0
    /// Events whose thread the recording never gave a uid (uid read as 0).
    var unknownUids = 0
    /// Events whose thread the process tables never gave a parent (real_parent read as 0).
    var unknownParents = 0
    /// The event last counted in unknownParents (time, row): one event may read several fields.
    var unknownParentEvent: (time: Int64, row: Int) = (.min, -1)
    /// Events of requests on a device the recording's block_devices does not name.
    var unknownDisks = 0
    /// cat("/proc/loadavg") at events before the recorder's first read, given that read.
    var loadReadsAfterEvent = 0
    /// bpftrace's `-f json`: every output a JSON object per line.
    var json = false
    init(out: ToolOutput) { self.out = out }

    /// bpftrace 0.17 runs print(@m), clear() and zero() in user space when it reads their
    /// event from the ring, after the probe that asked has run to its end: `@a = 5; print(@a);
    /// @a = 7` prints 7. They wait here until the probe ends, and so does every output after
    /// the first of them, to keep the ring's order (measured against bpftrace 0.17 here).
    /// Unchecked: printf reads it for every event, and a checked access costs more than the read
    /// (the runtime is used from one thread at a time).
    @exclusivity(unchecked) private var afterProbe: [() -> Void] = []

    func write(_ text: String) {
        if afterProbe.isEmpty { out.text(text) } else { afterProbe.append { [unowned self] in self.out.text(text) } }
    }

    func emit(_ type: String, text: String) {
        write(json ? BtJSON.line(type, BtJSON.string(text)) : text)
    }

    func printMap(_ name: String, top: Int = 0, divisor: Int64 = 1) {
        if json {
            if let line = maps.json(name, top: top, divisor: divisor) { out.text(line) }
        } else {
            out.text(maps.text(name, top: top, divisor: divisor))
        }
    }

    /// Runs `action` once the current probe has run, after what it already queued.
    func whenProbeEnds(_ action: @escaping () -> Void) { afterProbe.append(action) }

    /// The probe has ended: print(), clear() and zero() take effect, in order.
    func probeEnded() {
        guard !afterProbe.isEmpty else { return }
        let queued = afterProbe
        afterProbe = []
        for action in queued { action() }
    }
}

enum BtType: Equatable { case int, string }

typealias BtEval = (BtContext) -> BtValue
typealias BtExec = (BtContext) throws(BtError) -> Void

/// Turns one probe's AST into closures for one event source: field names become column
/// slots, names and types are checked before any event is read.
struct BtCompiler {
    let source: TracepointSource?
    let columns: TracepointColumns?
    let positionals: [String]
    let recordingStart: Int64
    let clock: ClockAnchorsView?
    /// Read from the recording once the program is known to call ksym() (kallsyms is large).
    let symbols: () -> KernelSymbols?
    /// The recording's execs, for join(args->argv) (read once a program calls it).
    let execs: () -> ExecArgvIndex?
    /// Each thread's uid over time, for `uid` (read once a program uses it).
    let uids: () -> UidTimeline?
    /// The recording's user symbols (process maps and ELF symbols), for ustack.
    let userSymbols: () -> UserSymbols?
    /// Each thread's real parent over time, for curtask->real_parent (read once a program uses it).
    let parents: () -> ParentTimeline?
    /// The recording's disk names by device number, for a request's disk_name.
    let diskNames: () -> [UInt32: String]
    let maps: BtMaps
    /// The attach point being compiled, as the `probe` builtin names it.
    var probeName = ""
    /// argN of a kprobe served by a tracepoint (--map-kprobes): the columns holding them.
    var kprobeArguments: [Int: String] = [:]
    /// argN of such a kprobe that points to a struct whose recorded fields it serves.
    var kprobePointers: [Int: BtKprobeMap.Pointer] = [:]
    /// Scratch variables holding one of those pointers (`$oc = (struct oom_control *)arg0`): argN.
    var pointerVariables: [String: Int] = [:]
    /// The recording host's RAM + swap in pages, when its metadata holds them.
    var hostPages: Int64?
    /// The recorder's reads of /proc/loadavg, for cat("/proc/loadavg").
    var loadAverages: () -> LoadAverages? = { nil }
    var scratchSlots: [String: Int] = [:]
    var scratchTypes: [String: BtType] = [:]
    /// The probe calls print(@m), clear() or zero(), which wait for its end (BtRuntime).
    var waitsForProbeEnd = false
    /// Scratch variables holding a pointer into the current task (`(struct task_struct *)curtask`),
    /// with its member path from curtask: read only through the fields the recording serves.
    var taskVariables: [String: [String]] = [:]
    /// Scratch variables holding a pointer into a recorded tracepoint's struct
    /// (`$sk = (struct sock *)$skb->sk`): read only through the members the recording serves.
    var structVariables: [String: BtStructPath] = [:]
    /// The byte width of integer scratch variables whose first value had a known one (a u16
    /// struct member, a uint16 cast): bswap() swaps that many bytes, as bpftrace's does.
    var scratchWidths: [String: Int] = [:]

    static let refusedBuiltins: [String: String] = [
        "curtask": "the current task's memory is not in a recording",
        "cgroup": "recordings carry no cgroup ids",
        "gid": "recordings carry no gid (the process tables and syscall_detail hold the uid only)",
        "username": "tracepoint events carry no uid in a recording",
        "retval": "retval belongs to kretprobes and uretprobes, which recordings do not hold; a syscall's return is args->ret of tracepoint:syscalls:sys_exit_NAME",
        "func": "func belongs to kprobes and uprobes, which recordings do not hold",
        "jiffies": "jiffies are not recorded",
        "rand": "rand would differ from the live run; it is not served",
        "sarg0": "stack arguments belong to kprobes, which recordings do not hold",
    ]
    static let refusedCalls: [String: String] = [
        "system": "it would run a command on the analysing machine, not the recorded one",
        "cat": "it would read a file of the analysing machine, not the recorded one",
        "signal": "a recording cannot send signals",
        "override": "a recording cannot change a return value",
        "reg": "registers belong to kprobes and uprobes, which recordings do not hold",
        "usym": "user symbols of arbitrary addresses are not resolved from recordings yet",
        "uaddr": "user symbols of arbitrary addresses are not resolved from recordings yet",
        "kaddr": "kernel addresses of symbols are not served yet",
        "buf": "buf() reads memory a recording does not hold",
        "cgroupid": "recordings carry no cgroup ids",
        "macaddr": "macaddr() reads memory a recording does not hold",
    ]

    // MARK: statements

    mutating func block(_ statements: [BtStatement]) throws(BtError) -> BtExec {
        let compiled = try statements.map { s throws(BtError) in try statement(s) }
        // One statement needs no loop: a probe starts neither returned nor exited.
        if compiled.count == 1 { return compiled[0] }
        return { (c: BtContext) throws(BtError) in
            for s in compiled {
                if c.returned || c.program.exited { return }
                try s(c)
            }
        }
    }

    mutating func slot(_ name: String, _ type: BtType, at: BtPosition) throws(BtError) -> Int {
        if taskVariables[name] != nil { throw BtError(at, "type mismatch for \(name): it holds a pointer into curtask and is assigned \(type == .int ? "an integer" : "a string")") }
        if let t = scratchTypes[name], t != type { throw BtError(at, "type mismatch for \(name): it holds \(t == .int ? "an integer" : "a string") and is assigned \(type == .int ? "an integer" : "a string")") }
        scratchTypes[name] = type
        if let s = scratchSlots[name] { return s }
        scratchSlots[name] = scratchSlots.count
        return scratchSlots.count - 1
    }

    mutating func statement(_ s: BtStatement) throws(BtError) -> BtExec {
        switch s {
        case .expression(let e):
            if case .call(let name, let args, let at) = e { return try callStatement(name, args, at) }
            let v = try expr(e).eval
            return { c in _ = v(c) }
        case .ifElse(let condition, let yes, let no):
            let cond = try integer(condition)
            let (y, n) = (try block(yes), try block(no))
            return { (c: BtContext) throws(BtError) in if cond(c).integer != 0 { try y(c) } else { try n(c) } }
        case .unroll(let n, let body):
            let b = try block(body)
            return { (c: BtContext) throws(BtError) in
                for _ in 0..<n {
                    if c.returned || c.program.exited { return }
                    try b(c)
                }
            }
        case .return:
            return { c in c.returned = true }
        case .increment(let target, let delta, let at):
            return try assign(target, .add, .integer(delta, at), at)
        case .assign(let target, let op, let value, let at):
            return try assign(target, op, value, at)
        }
    }

    static let aggregations: Set<String> = ["count", "sum", "avg", "min", "max", "stats", "hist", "lhist"]

    mutating func assign(_ target: BtLValue, _ op: BtAssignOperator, _ value: BtExpr, _ at: BtPosition) throws(BtError) -> BtExec {
        switch target {
        case .variable(let name):
            if op == .assign, let n = kprobePointer(value) {
                guard scratchTypes[name] == nil, taskVariables[name] == nil else { throw BtError(at, "\(name) is assigned a pointer to \(kprobePointers[n]!.type) after another value") }
                // Nothing to store: the fields it serves are read from the event when used.
                pointerVariables[name] = n
                return { _ in }
            }
            if op == .assign, let p = structPath(value) {
                guard scratchTypes[name] == nil, taskVariables[name] == nil, structVariables[name] == nil || structVariables[name] == p else {
                    throw BtError(at, "\(name) is assigned \(Self.text(value)) after another value")
                }
                // Nothing to store: the members it serves are read from the event when used.
                structVariables[name] = p
                return { _ in }
            }
            if op == .assign, isTaskPointer(value) {
                guard scratchTypes[name] == nil else { throw BtError(at, "type mismatch for \(name): it holds \(scratchTypes[name] == .int ? "an integer" : "a string") and is assigned \(Self.text(value))") }
                // Nothing to store: its fields are read from the event when used.
                taskVariables[name] = taskPath(value)
                return { _ in }
            }
            let v = try expr(value)
            if op == .assign {
                if v.type == .int, scratchSlots[name] == nil, let width = integerWidth(value) { scratchWidths[name] = width }
                let s = try slot(name, v.type, at: at)
                let eval = v.eval
                return { c in c.scratch[s] = eval(c) }
            }
            guard v.type == .int, scratchTypes[name] == .int, let s = scratchSlots[name] else {
                throw BtError(at, "\(op.rawValue) needs an integer variable \(name) assigned before")
            }
            let f = try arithmetic(String(op.rawValue.dropLast()), at)
            let eval = v.eval
            return { c in c.scratch[s] = .int(f(c.scratch[s].integer, eval(c).integer)) }
        case .map(let name, let keyExprs):
            let key = try mapKey(keyExprs)
            try markKeyed(name, !keyExprs.isEmpty, at)
            let maps = self.maps, map = maps.store(name)
            if case .call(let fn, let args, let callAt) = value, Self.aggregations.contains(fn) {
                guard op == .assign else { throw BtError(at, "\(fn)() is assigned with =, not \(op.rawValue)") }
                return try aggregate(name, fn, args, callAt, key: key)
            }
            let v = try expr(value)
            let kind: BtMapKind = v.type == .int ? .integer : .string
            try setKind(name, kind, at)
            let eval = v.eval
            if op == .assign {
                return { (c: BtContext) throws(BtError) in try maps.update(map, key(c)) { $0 = .value(eval(c)) } }
            }
            guard v.type == .int else { throw BtError(at, "\(op.rawValue) needs integers") }
            let f = try arithmetic(String(op.rawValue.dropLast()), at)
            return { (c: BtContext) throws(BtError) in
                let rhs = eval(c).integer
                try maps.update(map, key(c)) { e in
                    let old: Int64
                    if case .value(.int(let o))? = e { old = o } else { old = 0 }
                    e = .value(.int(f(old, rhs)))
                }
            }
        }
    }

    func markKeyed(_ name: String, _ keyed: Bool, _ at: BtPosition) throws(BtError) {
        if let k = maps.keyed[name], k != keyed { throw BtError(at, "\(name) is used both with and without keys") }
        maps.keyed[name] = keyed
    }

    func setKind(_ name: String, _ kind: BtMapKind, _ at: BtPosition) throws(BtError) {
        if let k = maps.kinds[name], k != kind {
            throw BtError(at, "type mismatch for \(name): it holds \(k) and is assigned \(kind)")
        }
        maps.kinds[name] = kind
    }

    /// The key of `@m[k1, k2…]` for one event, without an array for the common one-key map.
    mutating func mapKey(_ keyExprs: [BtExpr]) throws(BtError) -> (BtContext) -> BtKey {
        let keys = try keyExprs.map { e throws(BtError) in try expr(e).eval }
        switch keys.count {
        case 0: return { _ in .none }
        case 1:
            let k = keys[0]
            return { c in .one(k(c)) }
        default: return { c in .many(keys.map { $0(c) }) }
        }
    }

    mutating func aggregate(_ name: String, _ fn: String, _ args: [BtExpr], _ at: BtPosition, key: @escaping (BtContext) -> BtKey) throws(BtError) -> BtExec {
        let maps = self.maps, map = maps.store(name)
        // compare's log of every value given to the map (nil, and no cost, otherwise).
        let log = maps.log
        if let log { log.kinds[name] = fn }
        let wanted = fn == "count" ? 0 : fn == "lhist" ? 4 : 1
        guard args.count == wanted else { throw BtError(at, "\(fn)() takes \(wanted) argument\(wanted == 1 ? "" : "s"), got \(args.count)") }
        let value = args.isEmpty ? nil : try integer(args[0])
        switch fn {
        case "count":
            try setKind(name, .count, at)
            return { (c: BtContext) throws(BtError) in
                let k = key(c)
                log?.note(name, k, time: c.time, value: 1)
                try maps.add(map, k, 1)
            }
        case "sum", "min", "max":
            try setKind(name, fn == "sum" ? .sum : fn == "min" ? .min : .max, at)
            let v = value!
            let combine: (Int64, Int64) -> Int64 = fn == "sum" ? { $0 &+ $1 } : fn == "min" ? { Swift.min($0, $1) } : { Swift.max($0, $1) }
            return { (c: BtContext) throws(BtError) in
                let x = v(c).integer, k = key(c)
                log?.note(name, k, time: c.time, value: x)
                try maps.update(map, k) { e in if case .scalar(let n)? = e { e = .scalar(combine(n, x)) } else { e = .scalar(x) } }
            }
        case "avg", "stats":
            try setKind(name, fn == "avg" ? .avg : .stats, at)
            let v = value!
            return { (c: BtContext) throws(BtError) in
                let x = v(c).integer, k = key(c)
                log?.note(name, k, time: c.time, value: x)
                try maps.update(map, k) { e in if case .mean(let n, let t)? = e { e = .mean(count: n + 1, total: t &+ x) } else { e = .mean(count: 1, total: x) } }
            }
        case "hist":
            try setKind(name, .hist, at)
            let v = value!
            return { (c: BtContext) throws(BtError) in
                let x = v(c).integer, k = key(c)
                log?.note(name, k, time: c.time, value: x)
                try maps.update(map, k) { e in
                    var h: BpftraceHistogram
                    if case .hist(let old)? = e { h = old } else { h = BpftraceHistogram() }
                    e = nil  // h is then the buckets' only owner, and add() does not copy them
                    h.add(x)
                    e = .hist(h)
                }
            }
        default:
            var bounds: [Int64] = []
            for a in args.dropFirst() {
                guard case .integer(let n, _) = a else { throw BtError(a.position, "lhist() takes integer literals for min, max and step") }
                bounds.append(n)
            }
            guard bounds[2] > 0, bounds[1] > bounds[0] else { throw BtError(at, "lhist(): max must be above min and step positive") }
            guard (bounds[1] - bounds[0]) / bounds[2] <= 1000 else { throw BtError(at, "lhist(): more than 1000 buckets") }
            try setKind(name, .lhist(min: bounds[0], max: bounds[1], step: bounds[2]), at)
            let v = value!
            let (lo, hi, step) = (bounds[0], bounds[1], bounds[2])
            return { (c: BtContext) throws(BtError) in
                let x = v(c).integer, k = key(c)
                log?.note(name, k, time: c.time, value: x)
                try maps.update(map, k) { e in
                    var h: BpftraceLinearHistogram
                    if case .lhist(let old)? = e { h = old } else { h = BpftraceLinearHistogram(min: lo, max: hi, step: step) }
                    e = nil
                    h.add(x)
                    e = .lhist(h)
                }
            }
        }
    }

    // MARK: calls as statements

    mutating func callStatement(_ name: String, _ args: [BtExpr], _ at: BtPosition) throws(BtError) -> BtExec {
        let maps = self.maps
        switch name {
        case "cat" where args.count == 1:
            if case .string(let path, _) = args[0], path == Array("/proc/loadavg".utf8) { return try catLoadAverage(at) }
            throw BtError(at, "cat(): it would read a file of the analysing machine, not the recorded one (served: cat(\"/proc/loadavg\"), from the recorder's reads of it)")
        case "printf":
            guard case .string(let fmt, _)? = args.first else { throw BtError(at, "printf() takes a format string first") }
            let format = try BtFormat(fmt, at: at)
            let values = try args.dropFirst().map { a throws(BtError) in try expr(a) }
            try format.check(values.map(\.type), at: at)
            let evals = values.map(\.eval)
            return { c in c.program.emit("printf", text: format.render(evals.map { $0(c) })) }
        case "print":
            guard let first = args.first else { throw BtError(at, "print() takes a map or a value") }
            if case .map(let m, let keys, _) = first, keys.isEmpty {
                let top = args.count > 1 ? try literal(args[1]) : 0, div = args.count > 2 ? try literal(args[2]) : 1
                guard div != 0 else { throw BtError(at, "print(): the divisor is 0") }
                waitsForProbeEnd = true
                return { c in
                    let program = c.program
                    program.whenProbeEnds { program.printMap(m, top: Int(top), divisor: div) }
                }
            }
            let v = try expr(first).eval
            return { c in
                c.program.write(c.program.json ? BtJSON.line("value", BtJSON.value(v(c))) : v(c).text + "\n")
            }
        case "clear", "zero":
            guard case .map(let m, let keys, _)? = args.first, keys.isEmpty, args.count == 1 else { throw BtError(at, "\(name)() takes a map: \(name)(@name)") }
            waitsForProbeEnd = true
            return { c in c.program.whenProbeEnds { if name == "clear" { maps.clear(m) } else { maps.zero(m) } } }
        case "delete":
            // In the kernel, at once (not after the probe, as clear()).
            guard case .map(let m, let keyExprs, _)? = args.first, args.count == 1 else { throw BtError(at, "delete() takes a map element: delete(@name[key])") }
            let key = try mapKey(keyExprs)
            return { c in maps.delete(m, key(c)) }
        case "join":
            return try join(args, at)
        case "exit":
            guard args.isEmpty else { throw BtError(at, "exit() takes no arguments") }
            return { c in c.program.exited = true }
        case "time":
            var fmt = Array("%H:%M:%S\n".utf8)
            if case .string(let f, _)? = args.first { fmt = f }
            let clock = self.clock
            return { c in c.program.emit("time", text: BtTime.format(fmt, time: c.time, clock: clock)) }
        default:
            let v = try expr(.call(name, args, at)).eval
            return { c in _ = v(c) }
        }
    }

    /// join(args->argv[, delimiter]) of an exec: the arguments the recorder kept with the exec
    /// (process_exec), as bpftrace prints them: up to 16, ending at the first empty one, then a
    /// newline. Any other array is in memory a recording does not hold.
    func join(_ args: [BtExpr], _ at: BtPosition) throws(BtError) -> BtExec {
        guard (1...2).contains(args.count) else { throw BtError(at, "join() takes an array and an optional delimiter") }
        var delimiter = " "
        if args.count == 2 {
            guard case .string(let d, _) = args[1] else { throw BtError(args[1].position, "join(): the delimiter is a string literal") }
            delimiter = String(decoding: d, as: UTF8.self)
        }
        guard case .field("argv", _) = args[0], let source, let columns,
              source.event == "syscalls:sys_enter_execve" || source.event == "syscalls:sys_enter_execveat" else {
            throw BtError(at, "join(): only args->argv of syscalls:sys_enter_execve and sys_enter_execveat is served (from the arguments recorded with each exec); other arrays are in memory a recording does not hold")
        }
        guard let index = execs() else { throw BtError(at, "join(args->argv): this recording has no process_exec table (record the proc family)") }
        let tid = columns.slot("tid")
        let limits = index.limits
        return { (c: BtContext) throws(BtError) in
            guard let e = index.exec(tid: c.ints[tid][c.index], at: c.time) else {
                throw BtError(at, "join(args->argv): the recording has no exec of thread \(c.ints[tid][c.index]) at this event (its process_exec row was lost)")
            }
            // An old recording kept 127 bytes where join() reads 1023: say so when it mattered.
            if e.joinMayBeShortened(limits) { c.program.shortenedArgs += 1 }
            c.program.emit("join", text: e.joinArguments.joined(separator: delimiter) + "\n")
        }
    }

    func literal(_ e: BtExpr) throws(BtError) -> Int64 {
        guard case .integer(let n, _) = e else { throw BtError(e.position, "expected an integer literal") }
        return n
    }

    // MARK: expressions

    mutating func integer(_ e: BtExpr) throws(BtError) -> BtEval {
        let v = try expr(e)
        guard v.type == .int else { throw BtError(e.position, "expected an integer, got a string") }
        return v.eval
    }

    func arithmetic(_ op: String, _ at: BtPosition) throws(BtError) -> (Int64, Int64) -> Int64 {
        switch op {
        case "+": return { $0 &+ $1 }
        case "-": return { $0 &- $1 }
        case "*": return { $0 &* $1 }
        // BPF's division: by zero gives 0, remainder by zero the dividend.
        case "/": return { $1 == 0 ? 0 : $0.dividedReportingOverflow(by: $1).partialValue }
        case "%": return { $1 == 0 ? $0 : $0.remainderReportingOverflow(dividingBy: $1).partialValue }
        case "&": return { $0 & $1 }
        case "|": return { $0 | $1 }
        case "^": return { $0 ^ $1 }
        case "<<": return { $0 << ($1 & 63) }
        case ">>": return { $0 >> ($1 & 63) }
        default: throw BtError(at, "unknown operator \(op)")
        }
    }

    mutating func expr(_ e: BtExpr) throws(BtError) -> (type: BtType, eval: BtEval) {
        switch e {
        case .integer(let n, _): return (.int, { _ in .int(n) })
        case .string(let s, _): return (.string, { _ in .string(s) })
        case .positional(let n, let at):
            guard n >= 1, n <= positionals.count else { throw BtError(at, "$\(n): the program was given \(positionals.count) positional parameter(s)") }
            let text = positionals[n - 1]
            if let v = Int64(text) { return (.int, { _ in .int(v) }) }
            return (.string, { _ in .string(Array(text.utf8)) })
        case .variable(let name, let at):
            if taskVariables[name] != nil { throw BtError(at, "\(name) points into curtask, whose memory is not in a recording: read its fields (\(Self.servedTaskFields))") }
            if let p = structVariables[name], let root = structRoot(p) {
                throw BtError(at, "\(name) points into kernel memory a recording does not hold: read the members it serves (\(BtTracepointStructs.served(root, field: p.field)))")
            }
            guard let s = scratchSlots[name], let t = scratchTypes[name] else { throw BtError(at, "\(name) is used before it is assigned") }
            return (t, { c in c.scratch[s] })
        case .map(let name, let keyExprs, let at):
            try markKeyed(name, !keyExprs.isEmpty, at)
            let key = try mapKey(keyExprs)
            let map = maps.store(name)
            let isString = maps.kinds[name] == .string
            return (isString ? .string : .int, { c in
                guard let entry = map.entries[key(c)] else { return isString ? .string([]) : .int(0) }
                if case .value(let v) = entry { return v }
                return .int(entry.sortValue)
            })
        case .field(let name, let at):
            return try field(name, at)
        case .member(let base, let path, let at):
            return try member(base, path, at)
        case .structCast(_, _, let at):
            if isTaskPointer(e) { throw BtError(at, "\(Self.text(e)): the current task's memory is not in a recording; read its fields (\(Self.servedTaskFields))") }
            if kprobePointer(e) != nil { throw BtError(at, "\(Self.text(e)): the struct is not in a recording; read the fields \(probeName) serves of it") }
            throw BtError(at, "\(Self.text(e)): struct casts read kernel memory, which a recording does not hold (served: (struct task_struct *)curtask, through \(Self.servedTaskFields); the struct arguments of the kprobes --map-kprobes serves, through the fields their tracepoints recorded)")
        case .builtin(let name, let at):
            return try builtin(name, at)
        case .call(let name, let args, let at):
            return try call(name, args, at)
        case .cast(let type, let inner, _):
            let v = try integer(inner)
            let ctype = CType(name: type.hasPrefix("u") ? "u" + type.dropFirst(4) : "s" + type.dropFirst(3)) ?? .long
            return (.int, { c in .int(ctype.normalize(v(c).integer)) })
        case .unary(let op, let inner, _):
            let v = try integer(inner)
            switch op {
            case "-": return (.int, { c in .int(0 &- v(c).integer) })
            case "~": return (.int, { c in .int(~v(c).integer) })
            default: return (.int, { c in .int(v(c).integer == 0 ? 1 : 0) })
            }
        case .ternary(let cond, let yes, let no, let at):
            let c0 = try integer(cond)
            let (y, n) = (try expr(yes), try expr(no))
            guard y.type == n.type else { throw BtError(at, "the ternary's branches are of different types") }
            return (y.type, { c in c0(c).integer != 0 ? y.eval(c) : n.eval(c) })
        case .binary(let op, let l, let r, let at):
            let (a, b) = (try expr(l), try expr(r))
            if a.type == .string || b.type == .string {
                guard a.type == b.type, op == "==" || op == "!=" else { throw BtError(at, "'\(op)' between \(a.type == .string ? "a string" : "an integer") and \(b.type == .string ? "a string" : "an integer")") }
                let want = op == "=="
                func cut(_ s: [UInt8]) -> ArraySlice<UInt8> { s.firstIndex(of: 0).map { s[..<$0] } ?? s[...] }
                return (.int, { c in .int((cut(a.eval(c).bytes) == cut(b.eval(c).bytes)) == want ? 1 : 0) })
            }
            let (x, y) = (a.eval, b.eval)
            switch op {
            case "&&": return (.int, { c in .int(x(c).integer != 0 && y(c).integer != 0 ? 1 : 0) })
            case "||": return (.int, { c in .int(x(c).integer != 0 || y(c).integer != 0 ? 1 : 0) })
            case "==": return (.int, { c in .int(x(c).integer == y(c).integer ? 1 : 0) })
            case "!=": return (.int, { c in .int(x(c).integer != y(c).integer ? 1 : 0) })
            case "<": return (.int, { c in .int(x(c).integer < y(c).integer ? 1 : 0) })
            case "<=": return (.int, { c in .int(x(c).integer <= y(c).integer ? 1 : 0) })
            case ">": return (.int, { c in .int(x(c).integer > y(c).integer ? 1 : 0) })
            case ">=": return (.int, { c in .int(x(c).integer >= y(c).integer ? 1 : 0) })
            default:
                let f = try arithmetic(op, at)
                return (.int, { c in .int(f(x(c).integer, y(c).integer)) })
            }
        }
    }

    func field(_ name: String, _ at: BtPosition) throws(BtError) -> (type: BtType, eval: BtEval) {
        guard let source, let columns else { throw BtError(at, "args->\(name): only tracepoint probes have args") }
        guard let f = source.field(name) else {
            let known = source.fields.map(\.name).joined(separator: ", ")
            throw BtError(at, "args->\(name): \(source.event) has no field \(name)\(source.missingFieldHint.isEmpty ? " (its fields: \(known.isEmpty ? "none recorded" : known))" : source.missingFieldHint)")
        }
        let binding: CBinding<TracepointRow>
        do { binding = try TracepointBindings.reader(f, of: source, columns: columns) } catch {
            throw BtError(at, "args->\(name): \(error)")
        }
        let read = binding.read
        if f.expression == nil, case .integer = f.type {
            let slot = columns.slot(f.column)
            return (.int, { c in .int(c.ints[slot][c.index]) })
        }
        switch binding.type {
        case .string: return (.string, { c in .string(read(c.row!).bytes) })
        case .pointer:
            let text = binding.text
            return (.int, { c in .pointer(read(c.row!).integer, text.map { $0(c.row!) }) })
        default: return (.int, { c in .int(read(c.row!).integer) })
        }
    }

    /// A table of no task's events (the recorder's own reads, tracepoint:bpfrec:load_average)
    /// has no tid: pid, tid, cpu, comm and uid are refused there, not read as 0.
    func requireTask(for name: String, _ at: BtPosition) throws(BtError) {
        if let source, !source.isTasksEvent {
            throw BtError(at, "\(name): \(probeName) is not a task's event (its table \(source.table) has no task columns)")
        }
    }

    func builtin(_ name: String, _ at: BtPosition) throws(BtError) -> (type: BtType, eval: BtEval) {
        if let reason = Self.refusedBuiltins[name] { throw BtError(at, "\(name): \(reason)") }
        if name == BtSyscallLatencyIdiom.latency || name == BtSyscallLatencyIdiom.entered {
            // The folded syscall-latency idiom's exit probe: the call row's duration, and whether
            // its enter was seen (BtSyscallLatencyIdiom).
            guard let source, let columns, let latency = source.latencyColumn, let unpaired = source.unpairedColumn else {
                throw BtError(at, "\(name): only a syscall exit served by the syscalls family's rows has it")
            }
            if name == BtSyscallLatencyIdiom.latency {
                let slot = columns.slot(latency)
                return (.int, { c in .int(c.ints[slot][c.index]) })
            }
            let slot = columns.slot(unpaired)
            return (.int, { c in .int(c.ints[slot][c.index] == 0 ? 1 : 0) })
        }
        if name.hasPrefix("arg"), let n = Int(name.dropFirst(3)) {
            if let column = kprobeArguments[n], let columns {
                let slot = columns.slot(column)
                return (.int, { c in .int(c.ints[slot][c.index]) })
            }
            if !kprobeArguments.isEmpty { throw BtError(at, "\(name): --map-kprobes serves only \(kprobeArguments.keys.sorted().map { "arg\($0)" }.joined(separator: ", ")) of \(probeName)") }
            throw BtError(at, "\(name): kprobe and uprobe arguments are not in recordings; tracepoints have args->FIELD")
        }
        let start = recordingStart
        switch name {
        case "nsecs": return (.int, { c in .int(c.time) })
        case "elapsed": return (.int, { c in .int(c.time &- start) })
        case "probe":
            let name = BtValue.string(Array(probeName.utf8))
            return (.string, { _ in name })
        case "kstack", "ustack": return try stack(user: name == "ustack", limit: nil, at)
        case "uid":
            guard let columns else { throw BtError(at, "uid in BEGIN, END or interval would be bpftrace's own, which a recording does not have") }
            try requireTask(for: name, at)
            guard let timeline = uids() else { throw BtError(at, "uid: the recording has no process tables to take uids from (record the proc family)") }
            let tid = columns.slot("tid")
            return (.int, { c in
                if let u = timeline.uid(c.ints[tid][c.index], at: c.time) { return .int(u) }
                c.program.unknownUids += 1
                return .int(0)
            })
        case "pid", "tid", "cpu", "comm":
            guard let columns else { throw BtError(at, "\(name) in BEGIN, END or interval would be bpftrace's own, which a recording does not have") }
            try requireTask(for: name, at)
            if name == "comm" {
                columns.useComm()
                return (.string, { c in .string(c.comm) })
            }
            let s = columns.slot(name == "pid" ? "pid" : name == "tid" ? "tid" : "cpu")
            return (.int, { c in .int(c.ints[s][c.index]) })
        default:
            throw BtError(at, "unknown identifier '\(name)'")
        }
    }

    mutating func call(_ name: String, _ args: [BtExpr], _ at: BtPosition) throws(BtError) -> (type: BtType, eval: BtEval) {
        if let reason = Self.refusedCalls[name] { throw BtError(at, "\(name)(): \(reason)") }
        switch name {
        case "str":
            guard (1...2).contains(args.count) else { throw BtError(at, "str() takes a string and an optional length") }
            var v: BtEval
            if case .field(let f, let fat) = args[0], let source, let field = source.field(f), case .pointer(false) = field.type {
                throw BtError(fat, "str(args->\(f)): the string was not read at capture (record it with bpfrec record -e '\(source.event):\(f)=str')")
            }
            let e = try expr(args[0])
            switch (e.type, args[0]) {
            case (.string, _):
                v = e.eval
            case (.int, .field), (.int, .map), (.int, .variable):
                // An address: its string is known when it came from a pointer field read at capture.
                let inner = e.eval
                v = { c in
                    if case .pointer(_, let s?) = inner(c) { return .string(s) }
                    if c.program.error == nil { c.program.error = BtError(at, "str(): this value is not a string the recording holds (only pointer fields read at capture are)") }
                    return .string([])
                }
            default:
                throw BtError(args[0].position, "str() of an integer reads memory a recording does not hold")
            }
            // bpftrace's strings hold BPFTRACE_STRLEN (64) bytes with their NUL; a length given
            // counts the NUL too.
            let inner = v
            let n = args.count == 2 ? try integer(args[1]) : nil
            v = { c in
                let limit = min(Int(clamping: n?(c).integer ?? 64), 64) - 1
                return .string(Array(inner(c).bytes.prefix { $0 != 0 }.prefix(max(0, limit))))
            }
            return (.string, v)
        case "kstack", "ustack":
            // kstack(N), kstack(bpftrace), kstack(bpftrace, N), and ustack alike: bpftrace's own
            // frame format.
            var rest = args[...]
            if case .variable(let mode, let mat)? = rest.first {
                guard mode == "bpftrace" else { throw BtError(mat, "\(name)(\(mode)): only bpftrace's stack mode is served") }
                rest = rest.dropFirst()
            }
            guard rest.count <= 1 else { throw BtError(at, "\(name)() takes a mode and a frame limit") }
            return try stack(user: name == "ustack", limit: rest.first.map { a throws(BtError) in try literal(a) }, at)
        case "ksym":
            guard args.count == 1 else { throw BtError(at, "ksym() takes an address") }
            let v = try integer(args[0])
            let symbols = self.symbols()
            return (.string, { c in
                let a = UInt64(bitPattern: v(c).integer)
                return .string(Array((symbols?.name(of: a) ?? "0x" + String(a, radix: 16)).utf8))
            })
        case "strncmp":
            guard args.count == 3 else { throw BtError(at, "strncmp() takes two strings and a length") }
            let (a, b) = (try expr(args[0]), try expr(args[1]))
            guard a.type == .string, b.type == .string else { throw BtError(at, "strncmp() compares strings") }
            let n = try literal(args[2])
            return (.int, { c in
                let (x, y) = (Array(a.eval(c).bytes.prefix(Int(n))), Array(b.eval(c).bytes.prefix(Int(n))))
                return .int(x == y ? 0 : 1)
            })
        case "ntop":
            // ntop(addr) and ntop(af, addr), printed as bpftrace's inet_ntop does: an integer is
            // an IPv4 address in its memory (network) order, an array field (args->saddr,
            // saddr_v6) its bytes; AF_INET6 (10) reads 16 bytes, AF_INET the first 4.
            guard (1...2).contains(args.count) else { throw BtError(at, "ntop() takes an address, or a family and an address") }
            let family = args.count == 2 ? try integer(args[0]) : nil
            let address = try expr(args[args.count - 1])
            let a = address.eval, isArray = address.type == .string
            return (.string, { c in
                var bytes: [UInt8]
                switch a(c) {
                case .string(let b): bytes = b
                case let v: bytes = withUnsafeBytes(of: UInt64(bitPattern: v.integer).littleEndian) { Array($0) }
                }
                let af = family.map { Int($0(c).integer) } ?? (isArray && bytes.count == 16 ? InetAddress.inet6 : InetAddress.inet)
                return .string(Array(InetAddress.format(family: af, Array(bytes.prefix(af == InetAddress.inet6 ? 16 : 4))).utf8))
            })
        case "bswap":
            guard args.count == 1 else { throw BtError(at, "bswap() takes an integer") }
            let v = try integer(args[0])
            switch integerWidth(args[0]) ?? 8 {
            case 1: return (.int, v)
            case 2: return (.int, { c in .int(Int64(UInt16(truncatingIfNeeded: v(c).integer).byteSwapped)) })
            case 4: return (.int, { c in .int(Int64(UInt32(truncatingIfNeeded: v(c).integer).byteSwapped)) })
            default: return (.int, { c in .int(v(c).integer.byteSwapped) })
            }
        default:
            if Self.aggregations.contains(name) { throw BtError(at, "\(name)() is assigned to a map: @name = \(name)(...)") }
            if ["printf", "print", "clear", "zero", "delete", "exit", "time", "join"].contains(name) { throw BtError(at, "\(name)() is a statement, not a value") }
            throw BtError(at, "unknown function \(name)()")
        }
    }

    /// kstack / ustack: the stack the recording took at this event, as bpftrace prints it
    /// (symbol+offset, an address where no symbol covers it): kernel frames named from the
    /// recorded kallsyms, user frames from the process's recorded maps and symbols at that time.
    func stack(user: Bool, limit: Int64?, _ at: BtPosition) throws(BtError) -> (type: BtType, eval: BtEval) {
        let name = user ? "ustack" : "kstack"
        guard let columns, let source else { throw BtError(at, "\(name) in BEGIN, END or interval would be bpftrace's own, which a recording does not have") }
        guard let column = user ? source.ustackColumn : source.kstackColumn else {
            throw BtError(at, "\(name): \(source.event) was recorded without \(user ? "user " : "")stacks (record it with bpfrec record --stack-events \(source.event) --stack \(user ? "user" : "kernel"))")
        }
        let slot = columns.slot(column), pid = user ? columns.slot("pid") : 0
        let kernel = user ? nil : self.symbols(), process = user ? self.userSymbols() : nil
        let cap = limit.map { Int(clamping: $0) } ?? 127
        let programFrames = !user && source.kstackStartsInProgram
        return (.string, { c in
            let time = c.time, owner = user ? c.ints[pid][c.index] : 0
            var addresses = StackFrames.decode(c.row!.bytes(slot))
            // A dedicated table's stack comes from its tp_btf program, under the tracepoint's
            // glue; bpftrace's tracepoint program sees the stack from the tracepoint's caller.
            if programFrames, let kernel { addresses.removeFirst(kernel.probeFrameCount(addresses)) }
            return .stack(addresses.prefix(cap).map { a in
                let s = user ? process?.symbol(pid: owner, address: a, at: time) : kernel?.symbol(of: a)
                return s.map { "\($0.name)+\($0.offset)" } ?? "0x" + String(a, radix: 16)
            })
        })
    }
}
