import TraceExpressions
import TraceFormat
import TraceSchema

/// A field of a tracepoint as its format file names it (`args->nr_sector`), and where a
/// recording keeps it.
public struct TracepointField: Sendable {
    public var name: String
    public var column: String
    public var type: CStaticType
    /// The column holding the string a pointer field pointed to (`-e EVENT:field=str`).
    public var stringColumn: String?
    /// A C expression over the table's columns giving the field, where a dedicated table
    /// stores it differently (`nr_bytes >> 9` for nr_sector); `column` is then unused.
    public var expression: String?
}

/// One tracepoint a recording can serve by its kernel name, whichever table holds it: a
/// generic table (`bpfrec record -e`), a dedicated table recording every hit (irq), or the
/// syscalls family's rows (`syscalls:sys_exit_X`, `raw_syscalls:*`). Tools that take events
/// by name (argdist, trace, and later bpftrace programs) read it here, never a table directly.
public struct TracepointSource: Sendable {
    public var event: String
    public var table: String
    public var fields: [TracepointField]
    /// Only the rows with these values are this event (the syscall number in `syscall`).
    public var rowValues: [String: Set<Int64>] = [:]
    /// The event happened at ts + this column (a sys_exit served by the row of its whole call).
    public var exitOffsetColumn: String?
    /// The span since the matching entry event (`$latency`), and the column set when unknown.
    public var latencyColumn: String?
    public var unpairedColumn: String?
    /// Rows flagged in `unpairedColumn` are not this event at all: a sys_enter served by the
    /// call rows, where an unpaired row is a call whose sys_enter was not seen.
    public var unpairedRowsAreNotThisEvent = false
    /// The row's own comm of the current task, where the table records it (syscall_detail:
    /// the calling thread's at the call), read in place of the process tracker's.
    public var commColumn: String?
    /// The column holding the kernel stack taken at the event (--stack-events, cpu samples).
    public var kstackColumn: String?
    /// That stack was taken by a dedicated family's tp_btf/raw_tp program, so it starts with
    /// the program's and the tracepoint's own frames (KernelSymbols.probeFrameCount).
    public var kstackStartsInProgram = false
    /// The column holding the user stack taken at the event (cpu samples, --stack user|both).
    public var ustackColumn: String?
    /// What this source misses of the live tracepoint's hits, said on stderr after the
    /// event names that share it (`coverageNotes`).
    public var coverage: String?
    /// What to tell a user asking for a field this source does not hold.
    public var missingFieldHint: String = ""
    /// The table's column types, for fields given by an expression over them.
    public var columnTypes: [String: ColumnType] = [:]
    /// The matching sys_enter's arguments (`$entry(name)` of argdist), where the row has them.
    public var entryFields: [TracepointField] = []
    /// A generic sys_exit_X recorded with its sys_enter_X (`-e 'syscalls:sys_*_read'`): the
    /// enter's table, whose last row on the same thread is each exit's entry. `entryFields` and
    /// `$latency` then read that row.
    public var entryTable: String?

    public func field(_ name: String) -> TracepointField? { fields.first { $0.name == name } }

    /// False for a table of no task's events (the recorder's reads of /proc/loadavg): it has
    /// no tid, so pid, tid, cpu and comm mean nothing there. Generic tables always have them.
    public var isTasksEvent: Bool { EventTables.named(table).map { $0.columns.contains { $0.name == "tid" } } ?? true }
}

extension Recording {
    /// The source of `SUBSYS:EVENT`, or an error saying what would record it.
    ///
    /// `entryArguments`: a sys_exit_X that needs its call's arguments (argdist's `$entry()`) is
    /// served by the syscall_detail rows, which carry them, where the syscall has such rows.
    public func tracepointSource(_ event: String, entryArguments: Bool = false) throws -> TracepointSource {
        if let schema = file.tables.values.first(where: { $0.family == Self.tracepointsFamily && $0.name == event }) {
            var source = try genericSource(schema)
            if event.hasPrefix("syscalls:sys_exit_") {
                let enter = "syscalls:sys_enter_" + event.dropFirst("syscalls:sys_exit_".count)
                if let e = file.tables.values.first(where: { $0.family == Self.tracepointsFamily && $0.name == enter }) {
                    source.entryTable = enter
                    source.entryFields = try genericSource(e).fields.filter { $0.name != "__syscall_nr" }
                }
            }
            return source
        }
        if let table = EventTables.everyHit[event], let schema = file.tables.values.first(where: { $0.name == table }) {
            let header = Set(TracepointFormat.headerColumns)
            let declared = try declaredFields(event)
            let fields = schema.columns.filter { !header.contains($0.name) && (declared.isEmpty || declared[$0.name] != nil) }
                .map { TracepointField(name: $0.name, column: $0.name, type: Self.staticType($0.type), stringColumn: nil) }
            return TracepointSource(event: event, table: table, fields: fields)
        }
        if let view = EventTables.tracepointViews[event], let schema = file.tables.values.first(where: { $0.name == view.table }) {
            return viewSource(event, schema, view.fields)
        }
        if let source = syscallSource(event, entryArguments: entryArguments) { return source }
        throw AnalysisError("tracepoint \(event) is not in this recording\(Self.recordHint(event))")
    }

    /// How to record `SUBSYS:EVENT`: the dedicated family that would serve it, where one does,
    /// else the generic capture; as " (record it with ...)".
    public static func recordHint(_ event: String) -> String {
        let table = EventTables.everyHit[event] ?? EventTables.tracepointViews[event]?.table
        let family = table.flatMap { t in EventTables.all.first { $0.name == t }?.family }
            ?? (event.hasPrefix("syscalls:") || event.hasPrefix("raw_syscalls:") ? "syscalls" : nil)
        // The recorder's own tables are in every recording it makes, with no flag.
        if family == "recorder", let table { return " (bpfrec writes its \(table) table into every recording; this one was made by a bpfrec that did not)" }
        return family.map { " (record it with bpfrec record --families \($0), or -e \(event))" } ?? " (record it with bpfrec record -e \(event))"
    }

    func genericSource(_ schema: TableSchema) throws -> TracepointSource {
        let declared = try declaredFields(schema.name)
        let columns = Set(schema.columns.map(\.name))
        var fields: [TracepointField] = []
        if declared.isEmpty {
            // No format kept: the columns are the fields, under their column names.
            let skip = Set(TracepointFormat.headerColumns + [TracepointFormat.cutColumn])
            return TracepointSource(event: schema.name, table: schema.name, fields: schema.columns.filter { !skip.contains($0.name) && !$0.name.hasSuffix("_str") }
                .map { TracepointField(name: $0.name, column: $0.name, type: Self.staticType($0.type)) })
        }
        for f in declared.values.sorted(by: { $0.offset < $1.offset }) {
            let column = TracepointFormat.columnName(of: f.name)
            guard let c = schema.columns.first(where: { $0.name == column }) else { continue }
            let stringColumn = TracepointFormat.stringColumnName(of: f.name)
            let pointer = f.type.contains("*") && c.type.isInteger
            fields.append(TracepointField(
                name: f.name, column: column,
                type: pointer ? .pointer(readAsString: columns.contains(stringColumn)) : Self.staticType(c.type),
                stringColumn: columns.contains(stringColumn) ? stringColumn : nil))
        }
        var source = TracepointSource(event: schema.name, table: schema.name, fields: fields)
        if columns.contains("kstack") { source.kstackColumn = "kstack" }
        if columns.contains("ustack") { source.ustackColumn = "ustack" }
        return source
    }

    /// A dedicated table read as its tracepoint (the schema's `tracepoint` view).
    func viewSource(_ event: String, _ schema: TableSchema, _ fields: [(name: String, from: String)]) -> TracepointSource {
        let types = Dictionary(schema.columns.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        let out = fields.map { f -> TracepointField in
            if let t = types[f.from] { return TracepointField(name: f.name, column: f.from, type: Self.staticType(t)) }
            return TracepointField(name: f.name, column: "", type: .integer(.long), expression: f.from)
        }
        var source = TracepointSource(event: event, table: schema.name, fields: out)
        source.columnTypes = types
        // The tcp family's rows carry the current task's comm (schemas/tcp.json), which the
        // process tables may not know (a task that started before them, a synthetic recording).
        if schema.family == "tcp", types["comm"] != nil { source.commColumn = "comm" }
        if types["kstack"] != nil {
            source.kstackColumn = "kstack"
            source.kstackStartsInProgram = true
        }
        source.coverage = EventTables.tracepointViewCoverage[event]
        source.missingFieldHint = " (\(event) is served by the \(schema.family) family's \(schema.name) table, which holds \(fields.map(\.name).joined(separator: ", ")); record it generically with bpfrec record -e \(event))"
        return source
    }

    /// The fields of an event's format kept in the recording, by name (empty when none is kept).
    func declaredFields(_ event: String) throws -> [String: TracepointFormat.Field] {
        let (formats, _) = try tracepointFormats()
        guard let text = formats[event], let system = event.split(separator: ":").first,
              let format = try? TracepointFormat.parse(text, system: String(system)) else { return [:] }
        return Dictionary(format.fields.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// `syscalls:sys_enter_X` / `sys_exit_X` and `raw_syscalls:sys_enter` / `sys_exit`, from the
    /// syscalls family's one row per call.
    func syscallSource(_ event: String, entryArguments: Bool = false) -> TracepointSource? {
        guard hasTable("syscall") else { return nil }
        let nr = TracepointField(name: "__syscall_nr", column: "id", type: .integer(.int))
        let ret = TracepointField(name: "ret", column: "ret", type: .integer(.long))
        let raw = event.hasPrefix("raw_syscalls:")
        let parts = event.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, raw || parts[0] == "syscalls" else { return nil }
        let isExit: Bool
        var values: [String: Set<Int64>] = [:]
        if raw {
            guard parts[1] == "sys_enter" || parts[1] == "sys_exit" else { return nil }
            isExit = parts[1] == "sys_exit"
        } else {
            let name: Substring
            if parts[1].hasPrefix("sys_enter_") { name = parts[1].dropFirst(10); isExit = false }
            else if parts[1].hasPrefix("sys_exit_") { name = parts[1].dropFirst(9); isExit = true }
            else { return nil }
            // The tracepoint may carry the kernel's name of the syscall (sys_enter_newstat: stat).
            guard let id = syscallNames.first(where: { $0.value == name })?.key
                    ?? (name.hasPrefix("new") ? syscallNames.first(where: { $0.value == name.dropFirst(3) })?.key : nil) else { return nil }
            values["id"] = [Int64(id)]
        }
        if !raw, !isExit, hasTable("syscall_detail"), let args = SyscallArguments.detail[String(parts[1].dropFirst(10))] {
            var source = detailSource(event, values, args)
            // The row's comm is taken at sys_exit, after a successful exec renamed the task:
            // sys_enter_execve's comm is the one before, which the process tables give (bpfrec
            // stamps the exec and its syscall row with one entry time, and at a tie the event
            // comes before the exec it starts).
            if parts[1] == "sys_enter_execve" || parts[1] == "sys_enter_execveat" { source.commColumn = nil }
            return source
        }
        if !raw, isExit, entryArguments, hasTable("syscall_detail"), let args = SyscallArguments.detail[String(parts[1].dropFirst(9))] {
            // The same row holds the call's arguments, its return value and its duration.
            let enter = detailSource(event, values, args)
            var source = TracepointSource(event: event, table: "syscall_detail", fields: [nr, ret], rowValues: values)
            source.commColumn = "comm"
            source.columnTypes = enter.columnTypes
            source.entryFields = Array(enter.fields.dropFirst())
            source.exitOffsetColumn = "duration"
            source.latencyColumn = "duration"
            source.coverage = "served with its arguments by the rows of calls whose sys_enter was seen"
            return source
        }
        let idField = raw ? TracepointField(name: "id", column: "id", type: .integer(.long)) : nr
        var source = TracepointSource(event: event, table: "syscall", fields: isExit ? [idField, ret] : [idField], rowValues: values)
        source.missingFieldHint = " (\(event) is served by the syscalls family's row per call, which holds the syscall number\(isExit ? " and ret" : ""); record its arguments with bpfrec record -e \(event))"
        if isExit {
            source.exitOffsetColumn = "duration"
            source.latencyColumn = "duration"
            source.unpairedColumn = "unpaired"
        } else {
            source.coverage = "served by the rows of calls that returned: calls still running when the recording stopped, exit and exit_group are not seen"
            source.unpairedColumn = "unpaired"
            source.unpairedRowsAreNotThisEvent = true
        }
        return source
    }

    /// `syscalls:sys_enter_X` of a syscall with a syscall_detail row: its arguments from the
    /// row's registers (as the format types them) and its paths from the strings read.
    func detailSource(_ event: String, _ values: [String: Set<Int64>], _ spec: (arguments: [(name: String, type: String)], path: Int?, path2: Int?)) -> TracepointSource {
        var fields = [TracepointField(name: "__syscall_nr", column: "id", type: .integer(.int))]
        for (k, a) in spec.arguments.enumerated() where k < 6 {
            let column = "arg\(k)"
            if k == spec.path || k == spec.path2 {
                fields.append(TracepointField(name: a.name, column: column, type: .pointer(readAsString: true), stringColumn: k == spec.path ? "path" : "path2"))
            } else if a.type.contains("*") {
                fields.append(TracepointField(name: a.name, column: column, type: .pointer(readAsString: false)))
            } else if let t = CType(name: a.type) {
                fields.append(TracepointField(name: a.name, column: column, type: .integer(t), expression: "(\(a.type))\(column)"))
            } else {
                fields.append(TracepointField(name: a.name, column: column, type: .integer(.unsignedLong)))
            }
        }
        var source = TracepointSource(event: event, table: "syscall_detail", fields: fields, rowValues: values)
        source.commColumn = "comm"
        source.columnTypes = Dictionary(uniqueKeysWithValues: (0..<6).map { ("arg\($0)", ColumnType.u64) })
        source.coverage = "served by the rows of calls that returned: calls still running when the recording stopped, exit and exit_group are not seen"
        return source
    }

    static func staticType(_ t: ColumnType) -> CStaticType {
        switch t {
        case .u8: return .integer(CType(bits: 8, signed: false))
        case .u16: return .integer(CType(bits: 16, signed: false))
        case .u32: return .integer(.unsignedInt)
        case .i32: return .integer(.int)
        case .u64: return .integer(.unsignedLong)
        case .i64: return .integer(.long)
        case .str, .bytes: return .string
        }
    }
}

extension Recording {
    /// Every tracepoint this recording can serve by name (tracepointSource succeeds), sorted:
    /// generic tables, every-hit dedicated tables, and the syscalls family's per-syscall events.
    public var servableTracepoints: [String] {
        var names = Set(countableTracepoints.keys)
        for (event, view) in EventTables.tracepointViews where hasTable(view.table) { names.insert(event) }
        if hasTable("syscall") {
            names.insert("raw_syscalls:sys_enter")
            names.insert("raw_syscalls:sys_exit")
            // The host's own list where the recording kept it (syscalls without a tracepoint,
            // such as tuxcall, are not probes there).
            let catalog = (try? file.metadata(named: MetadataName.tracepointCatalog, as: [String: String].self)) ?? nil
            for name in syscallNames.values {
                // x86_64's tracepoints for stat, lstat, fstat and uname are sys_*_new<name>.
                let tp = ["stat", "lstat", "fstat", "uname"].contains(name) ? "new" + name : name
                for event in ["syscalls:sys_enter_\(tp)", "syscalls:sys_exit_\(tp)"] where catalog?[event] != nil || catalog == nil {
                    names.insert(event)
                }
            }
        }
        return names.sorted()
    }
}

extension TracepointSource {
    /// One line per distinct coverage gap, naming the events it applies to.
    public static func coverageNotes(_ sources: [TracepointSource]) -> [String] {
        var events: [String: [String]] = [:]
        var order: [String] = []
        for s in sources {
            guard let c = s.coverage else { continue }
            if events[c] == nil { order.append(c) }
            if !(events[c]?.contains(s.event) ?? false) { events[c, default: []].append(s.event) }
        }
        return order.map { note in
            let names = events[note]!
            let list = names.count <= 5 ? names.joined(separator: ", ") : names.prefix(3).joined(separator: ", ") + " and \(names.count - 3) more"
            return "\(list) \(names.count == 1 ? "is" : "are") \(note)"
        }
    }
}

extension Recording {
    /// Whether bpfrec ran with `-p` (or launched a command): then cpu_sample holds only those
    /// processes, no idle CPUs.
    public var recordedForSomePIDs: Bool { !(info?.selectedPids ?? []).isEmpty }

    /// bpftrace's `profile:hz:N` over the recorded CPU samples (cpu_sample, one row per CPU per
    /// tick of the recorded rate): no args, the sampled task as the current one.
    public func cpuSampleSource(_ probe: String) throws -> TracepointSource {
        guard hasTable("cpu_sample") else {
            throw AnalysisError("\(probe): this recording has no CPU samples (record them with bpfrec record --families stacks)")
        }
        var source = TracepointSource(event: probe, table: "cpu_sample", fields: [])
        source.commColumn = "comm"
        source.missingFieldHint = " (a profile probe has no args)"
        source.kstackColumn = "kstack"
        source.ustackColumn = "ustack"
        return source
    }
}

