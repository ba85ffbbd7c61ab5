import TraceExpressions
import TraceFormat

/// One event of a tracepoint source as expressions see it: its row, and its task's comm when
/// an expression asked for it (comm is not a column of tracepoint tables; the process
/// tables give it).
public struct TracepointRow: Sendable {
    public let batch: Batch
    /// Variables, so that a consumer walking a batch moves one row value along it.
    public var row: Int
    public var comm: [UInt8]
    /// The paired entry event's row (a generic sys_exit_X's sys_enter_X), read through
    /// `entry` with the columns of TracepointColumns.entryColumns.
    let entryBatch: Batch?
    let entryRow: Int
    public init(batch: Batch, row: Int, comm: [UInt8] = [], entry: (batch: Batch, row: Int)? = nil) {
        self.batch = batch
        self.row = row
        self.comm = comm
        self.entryBatch = entry?.batch
        self.entryRow = entry?.row ?? 0
    }
    @inline(__always) func int(_ slot: Int) -> Int64 { batch.ordered[slot][row] }
    public func bytes(_ slot: Int) -> [UInt8] { batch.orderedBlobs[slot][row] }
    /// The entry's row; the scan delivers no row without one to a probe that reads it.
    var entry: TracepointRow { TracepointRow(batch: entryBatch ?? batch, row: entryBatch == nil ? row : entryRow, comm: comm) }
}

/// What the recording knows of an event beyond its fields, for the tools' own names
/// (`$PID` in argdist, `$tgid` in trace, bpftrace's `pid`).
public enum TracepointSpecial: Sendable {
    case tgid, tid, cpu, timestamp, comm
    /// ns since the matching entry event: sys_exit_X of a paired call.
    case latency
}

/// The columns a set of expressions reads, in the order a scan returns them; shared by the
/// bindings of one probe so that each column is read once.
public final class TracepointColumns {
    public private(set) var names: [String] = ["ts"]
    public private(set) var needsComm = false
    /// An expression needs the call's entry (`$latency`): calls whose entry was not seen are skipped.
    public private(set) var needsEntry = false

    /// The columns read from the paired entry's table (TracepointSource.entryTable).
    public private(set) var entryColumns: TracepointColumns?

    public init() {}

    /// The entry's columns, created on first use; `tid` is among them, for the pairing.
    public func useEntryColumns() -> TracepointColumns {
        needsEntry = true
        if let e = entryColumns { return e }
        let e = TracepointColumns()
        _ = e.slot("tid")
        entryColumns = e
        return e
    }

    public func slot(_ column: String) -> Int {
        if let i = names.firstIndex(of: column) { return i }
        names.append(column)
        return names.count - 1
    }
    public func useComm() { needsComm = true }
    public func useEntry() { needsEntry = true }
}

/// Binds `args->field` to a tracepoint source's columns and the tool's special names to
/// what the recording holds.
public struct TracepointBindings: CExpressionBindings {
    public typealias Row = TracepointRow
    public let source: TracepointSource
    public let columns: TracepointColumns
    public let specials: [String: TracepointSpecial]
    /// Names the tool knows but the recording cannot serve, with the reason.
    public let refused: [String: String]

    public init(source: TracepointSource, columns: TracepointColumns, specials: [String: TracepointSpecial], refused: [String: String] = [:]) {
        self.source = source
        self.columns = columns
        self.specials = specials
        self.refused = refused
    }

    public func field(_ name: String) throws(CExpressionError) -> CBinding<Row> {
        guard let f = source.field(name) else {
            let known = source.fields.map(\.name).joined(separator: ", ")
            throw CExpressionError("args->\(name): \(source.event) has no field \(name)\(source.missingFieldHint.isEmpty ? " (its fields: \(known.isEmpty ? "none recorded" : known))" : source.missingFieldHint)")
        }
        return try Self.reader(f, of: source, columns: columns)
    }

    /// How a field is read from a source's rows: its column, the string read behind a
    /// pointer, or the expression over the table's columns a dedicated table needs.
    public static func reader(_ f: TracepointField, of source: TracepointSource, columns: TracepointColumns) throws(CExpressionError) -> CBinding<Row> {
        if let expression = f.expression {
            let e = try CExpressionParser.parse(expression)
            let compiled = try CExpressionCompiler.compile(e, TableColumnBindings(types: source.columnTypes, columns: columns))
            return CBinding(type: compiled.type, read: { compiled($0) })
        }
        let slot = columns.slot(f.column)
        let hint = " (record it with bpfrec record -e '\(source.event):\(f.name)=str')"
        switch f.type {
        case .string:
            return CBinding(type: .string, read: { .string($0.bytes(slot)) })
        case .pointer:
            var text: (@Sendable (Row) -> [UInt8])?
            if let column = f.stringColumn {
                let t = columns.slot(column)
                text = { (row: Row) -> [UInt8] in row.bytes(t) }
            }
            return CBinding(type: f.type, read: { .int($0.int(slot)) }, text: text, unreadStringHint: hint)
        case .integer:
            return CBinding(type: f.type, read: { .int($0.int(slot)) })
        }
    }

    public func name(_ name: String) throws(CExpressionError) -> CBinding<Row> {
        if let reason = refused[name] { throw CExpressionError("\(name): \(reason)") }
        guard let special = specials[name] else {
            let known = specials.keys.sorted().joined(separator: ", ")
            throw CExpressionError("unknown name '\(name)' (tracepoint fields are args->FIELD; the names known here: \(known))")
        }
        switch special {
        case .tgid: let s = columns.slot("pid"); return CBinding(type: .integer(.unsignedInt), read: { .int($0.int(s)) })
        case .tid: let s = columns.slot("tid"); return CBinding(type: .integer(.unsignedInt), read: { .int($0.int(s)) })
        case .cpu: let s = columns.slot("cpu"); return CBinding(type: .integer(.unsignedInt), read: { .int($0.int(s)) })
        case .timestamp: let s = columns.slot("ts"); return CBinding(type: .integer(.unsignedLong), read: { .int($0.int(s)) })
        case .comm:
            columns.useComm()
            return CBinding(type: .string, read: { .string($0.comm) })
        case .latency:
            if source.entryTable != nil {
                let entry = columns.useEntryColumns()
                let exitTs = columns.slot("ts"), entryTs = entry.slot("ts")
                return CBinding(type: .integer(.unsignedLong), read: { .int($0.int(exitTs) &- $0.entry.int(entryTs)) })
            }
            guard let column = source.latencyColumn else {
                throw CExpressionError("\(name): only a sys_exit_X tracepoint served by the syscalls family, or recorded with its sys_enter_X (-e), has a latency here, not \(source.event)")
            }
            columns.useEntry()
            let s = columns.slot(column)
            if let unpaired = source.unpairedColumn { _ = columns.slot(unpaired) }
            return CBinding(type: .integer(.unsignedLong), read: { .int($0.int(s)) })
        }
    }

    public func call(_ name: String, arguments: [CExpression]) throws(CExpressionError) -> CBinding<Row> {
        if let reason = refused[name] { throw CExpressionError("\(name)(): \(reason)") }
        if name == "$entry", specials["$latency"] != nil {
            guard arguments.count == 1, case .name(let param) = arguments[0] else { throw CExpressionError("$entry() takes one parameter name: $entry(count)") }
            guard let f = source.entryFields.first(where: { $0.name == param }) else {
                let known = source.entryFields.map(\.name)
                if known.isEmpty {
                    throw CExpressionError("$entry(\(param)): \(source.event) has no recorded entry arguments (the syscalls family keeps them for the syscalls with detail rows: open*, stat*, kill, connect, ...; this one has none)")
                }
                throw CExpressionError("$entry(\(param)): the entry of \(source.event) has no parameter \(param) (it has \(known.joined(separator: ", ")))")
            }
            if source.entryTable != nil {
                let inner = try Self.reader(f, of: source, columns: columns.useEntryColumns())
                let read = inner.read
                var text: (@Sendable (Row) -> [UInt8])?
                if let t = inner.text { text = { (row: Row) -> [UInt8] in t(row.entry) } }
                return CBinding(type: inner.type, read: { (row: Row) -> CValue in read(row.entry) }, text: text, unreadStringHint: inner.unreadStringHint)
            }
            columns.useEntry()
            return try Self.reader(f, of: source, columns: columns)
        }
        throw CExpressionError("unknown function \(name)()")
    }
}

/// Bare names as a table's columns: the expressions of a dedicated table's tracepoint view.
struct TableColumnBindings: CExpressionBindings {
    typealias Row = TracepointRow
    let types: [String: ColumnType]
    let columns: TracepointColumns

    func name(_ name: String) throws(CExpressionError) -> CBinding<Row> {
        guard let t = types[name] else { throw CExpressionError("no column \(name) in the table") }
        let slot = columns.slot(name)
        switch Recording.staticType(t) {
        case .string: return CBinding(type: .string, read: { .string($0.bytes(slot)) })
        case let type: return CBinding(type: type, read: { .int($0.int(slot)) })
        }
    }
    func field(_ name: String) throws(CExpressionError) -> CBinding<Row> { try self.name(name) }

    /// The tcp tables keep one 16-byte address and its family where the tracepoints have
    /// `__u8 saddr[4]` and `__u8 saddr_v6[16]`: `v4(addr, family)` is the first 4 bytes of an
    /// AF_INET row (zeros for AF_INET6, whose inet_saddr is not recorded), `v6(addr, family)`
    /// the 16 bytes of an AF_INET6 row and the v4-mapped form (::ffff:a.b.c.d) of an AF_INET
    /// one, as the kernel's TP_STORE_ADDRS writes it.
    func call(_ name: String, arguments: [CExpression]) throws(CExpressionError) -> CBinding<Row> {
        guard name == "v4" || name == "v6", arguments.count == 2, case .name(let address) = arguments[0], case .name(let family) = arguments[1] else {
            throw CExpressionError("unknown function \(name)()")
        }
        guard types[address] == .bytes, let t = types[family], t.isInteger else { throw CExpressionError("\(name)(): takes a bytes column and an integer family column") }
        let a = columns.slot(address), f = columns.slot(family)
        if name == "v4" {
            return CBinding(type: .string, read: { row in
                let bytes = row.bytes(a)
                guard row.int(f) == Int64(InetAddress.inet) else { return .string([0, 0, 0, 0]) }
                return .string(Array((bytes + [0, 0, 0, 0]).prefix(4)))
            })
        }
        return CBinding(type: .string, read: { row in
            let bytes = row.bytes(a) + Array(repeating: 0, count: 16)
            if row.int(f) == Int64(InetAddress.inet) { return .string(Array(repeating: 0, count: 10) + [0xff, 0xff] + bytes.prefix(4)) }
            return .string(Array(bytes.prefix(16)))
        })
    }
}
