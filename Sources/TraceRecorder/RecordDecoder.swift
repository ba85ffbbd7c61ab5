import Glibc
import CBPFPrograms
import TraceFormat
import TraceSchema

/// Moves fixed-layout ring-buffer records (bpf/events.gen.h) into per-table column storage,
/// generically: `RecordLayout.all` says where each column sits, the table's schema says
/// its type. Only the drain thread touches it. The per-record path works on unsafe storage
/// allocated once, so it does no reference counting or exclusivity checks.
final class RecordDecoder {
    /// How to move one field: a flattened `RecordLayout.Field`.
    struct FieldOp {
        // 0 u8, 1 u16, 2 u32, 3 i32, 4 u64, 5 i64, 6 str, 7 bytes (u16 length first);
        // generic entries: 8 i8, 9 i16, 10 fixed bytes, 11 dynamic bytes, 12 dynamic text
        // (offset: the u32 locator; lengthOffset: the entry's offset << 1, | 1 for __rel_loc;
        // size: the cap), 13 kernel stack, 14 user stack and 15 current comm after the entry
        // (offset: the header's u16 byte count; lengthOffset: the entry's offset; size: the cap).
        var type: UInt8
        var offset: Int
        var size: Int
        var lengthOffset: Int
        var column: Int      // index into the slot's ints or blobs
    }

    struct Slot {
        var recordSize: Int
        var family: Int
        var ops: UnsafeMutableBufferPointer<FieldOp>
        var ints: UnsafeMutablePointer<IntColumn>
        var blobs: UnsafeMutablePointer<BlobStaging>
        var intCount: Int
        var blobCount: Int
        var rows = 0
        /// CLOCK_MONOTONIC ns when the buffer got its first row since the last flush.
        var firstRowAt: UInt64 = 0
        /// For stack tables: offsets of pid and of the user stack's length, to note the
        /// processes whose user addresses need their memory maps.
        var userStackPid = -1
        var userStackLength = -1
        /// For process_exec: offset of pid. An exec replaces the memory maps, so they are read
        /// again the next time the process shows up in a user stack.
        var execPid = -1
        /// For process_exit: offsets of pid and group_dead. A JIT runtime's perf map is read
        /// when its process is gone (it grows until then).
        var exitPid = -1
        var exitGroupDead = -1
    }

    struct TableInfo {
        var tableID: UInt32
        var schema: TableSchema
        var family: Family
        /// For each schema column: (isInteger, index into ints or blobs).
        var columns: [(Bool, Int)]
    }

    private let slots: UnsafeMutablePointer<Slot>
    private let slotCount: Int
    private var tables: [TableInfo] = []
    /// Slot index by record kind; -1 for kinds of families not recorded.
    private let slotByKind: UnsafeMutableBufferPointer<Int>
    private(set) var eventsByFamily = [UInt64](repeating: 0, count: Family.idLimit)
    private(set) var malformed: UInt64 = 0
    /// Processes seen with a non-empty user stack since the last `takeUserStackPids()`.
    private var userStackPids: Set<UInt32> = []
    /// Processes that exec'd since the last `takeExecPids()`.
    private var execPids: Set<UInt32> = []
    /// Processes whose last thread exited since the last `takeExitPids()`.
    private var exitPids: Set<UInt32> = []

    /// `tableIDs` maps each recorded BPF table's name to its id in the writer; `generic` are the
    /// tracepoints recorded with -e and their tables' ids.
    init(families: [Family], tableIDs: [String: UInt32], generic: [(event: GenericEvent, tableID: UInt32)] = []) {
        slotByKind = .allocate(capacity: max(RecordLayout.kindLimit, Int(BPFREC_GENERIC_KIND_BASE) + generic.count))
        slotByKind.initialize(repeating: -1)
        var built: [Slot] = []
        for layout in RecordLayout.all {
            guard let schema = EventTables.named(layout.table), let family = Family(name: schema.family),
                  families.contains(family), let id = tableIDs[layout.table] else { continue }
            let columns = Self.storage(of: schema)
            var ops: [FieldOp] = []
            for f in layout.fields {
                let t: UInt8
                switch f.type {
                case .u8: t = 0
                case .u16: t = 1
                case .u32: t = 2
                case .i32: t = 3
                case .u64: t = 4
                case .i64: t = 5
                case .str: t = 6
                case .bytes: t = 7
                }
                ops.append(FieldOp(type: t, offset: f.offset, size: f.size, lengthOffset: f.lengthOffset, column: columns[f.column].1))
            }
            var slot = Slot.make(recordSize: layout.size, family: Int(family.rawValue), ops: ops, columns: columns)
            if let u = schema.columnIndex("ustack"), let p = schema.columnIndex("pid"),
               let uf = layout.fields.first(where: { $0.column == u }), let pf = layout.fields.first(where: { $0.column == p }) {
                slot.userStackPid = pf.offset
                slot.userStackLength = uf.lengthOffset
            }
            if layout.table == "process_exec", let p = schema.columnIndex("pid"),
               let pf = layout.fields.first(where: { $0.column == p }) {
                slot.execPid = pf.offset
            }
            if layout.table == "process_exit", let p = schema.columnIndex("pid"), let g = schema.columnIndex("group_dead"),
               let pf = layout.fields.first(where: { $0.column == p }), let gf = layout.fields.first(where: { $0.column == g }) {
                slot.exitPid = pf.offset
                slot.exitGroupDead = gf.offset
            }
            slotByKind[Int(layout.kind)] = built.count
            built.append(slot)
            tables.append(TableInfo(tableID: id, schema: schema, family: family, columns: columns))
        }
        for (event, id) in generic {
            let (slot, columns) = Self.genericSlot(event)
            slotByKind[Int(event.kind)] = built.count
            built.append(slot)
            tables.append(TableInfo(tableID: id, schema: event.schema, family: .tracepoints, columns: columns))
        }
        slotCount = built.count
        slots = .allocate(capacity: max(1, built.count))
        slots.initialize(from: built, count: built.count)
    }

    deinit {
        for i in 0..<slotCount {
            let s = slots[i]
            for c in 0..<max(1, s.intCount) { s.ints[c].free() }
            for c in 0..<max(1, s.blobCount) { s.blobs[c].free() }
            s.ints.deinitialize(count: max(1, s.intCount)).deallocate()
            s.blobs.deinitialize(count: max(1, s.blobCount)).deallocate()
            s.ops.deallocate()
        }
        slots.deinitialize(count: slotCount).deallocate()
        slotByKind.deallocate()
    }

    /// Decodes one record; false when it is not a record this recording knows.
    @inline(__always)
    func decode(_ base: UnsafeRawPointer, size: Int, now: UInt64) -> Bool {
        guard size >= 4 else { malformed += 1; return false }
        let kind = Int(base.loadUnaligned(as: UInt32.self))
        guard kind < slotByKind.count, case let s = slotByKind[kind], s >= 0 else { malformed += 1; return false }
        let slot = slots + s
        guard size >= slot.pointee.recordSize else { malformed += 1; return false }
        if slot.pointee.rows == 0 { slot.pointee.firstRowAt = now }
        let ints = slot.pointee.ints, blobs = slot.pointee.blobs
        for op in slot.pointee.ops {
            let p = base + op.offset
            switch op.type {
            case 0: ints[op.column].append(Int64(p.load(as: UInt8.self)))
            case 1: ints[op.column].append(Int64(p.loadUnaligned(as: UInt16.self)))
            case 2: ints[op.column].append(Int64(p.loadUnaligned(as: UInt32.self)))
            case 3: ints[op.column].append(Int64(p.loadUnaligned(as: Int32.self)))
            case 4, 5: ints[op.column].append(p.loadUnaligned(as: Int64.self))
            case 8: ints[op.column].append(Int64(p.load(as: Int8.self)))
            case 9: ints[op.column].append(Int64(p.loadUnaligned(as: Int16.self)))
            case 10: blobs[op.column].append(p, op.size)
            case 11, 12:
                // The locator: length << 16 | offset (from the entry, or after the field for
                // __rel_loc); data cut by the recorder are cut here too, never read past.
                let loc = p.loadUnaligned(as: UInt32.self)
                let entry = op.lengthOffset >> 1
                var at = entry + Int(loc & 0xffff)
                if op.lengthOffset & 1 == 1 { at += op.offset - entry + 4 }
                var n = min(Int(loc >> 16), op.size, max(0, size - at))
                if at > size { n = 0 }
                let data = base + min(at, size)
                if op.type == 12, let nul = memchr(data, 0, n) { n = UnsafeRawPointer(nul) - data }
                blobs[op.column].append(data, n)
            case 13, 14, 15:
                // After the entry (its size: the header's u16 at 24): the comm, the kernel stack
                // (its size: the u16 at 28), the user stack.
                var at = op.lengthOffset + Int((base + 24).loadUnaligned(as: UInt16.self))
                if op.type != 15 { at += Self.taskCommSize }
                if op.type == 14 { at += Int((base + 28).loadUnaligned(as: UInt16.self)) }
                let data = base + min(at, size)
                var n = min(op.type == 15 ? op.size : Int((base + op.offset).loadUnaligned(as: UInt16.self)), op.size, max(0, size - at))
                if op.type == 15, let nul = memchr(data, 0, n) { n = UnsafeRawPointer(nul) - data }
                blobs[op.column].append(data, n)
            case 6:
                // Up to the first NUL, never past the array.
                let n = memchr(p, 0, op.size).map { UnsafeRawPointer($0) - p } ?? op.size
                blobs[op.column].append(p, n)
            default:
                let n = min(Int((base + op.lengthOffset).loadUnaligned(as: UInt16.self)), op.size)
                blobs[op.column].append(p, n)
            }
        }
        slot.pointee.rows += 1
        eventsByFamily[slot.pointee.family] &+= 1
        if slot.pointee.userStackLength >= 0, (base + slot.pointee.userStackLength).loadUnaligned(as: UInt16.self) > 0 {
            userStackPids.insert((base + slot.pointee.userStackPid).loadUnaligned(as: UInt32.self))
        }
        if slot.pointee.execPid >= 0 {
            execPids.insert((base + slot.pointee.execPid).loadUnaligned(as: UInt32.self))
        }
        if slot.pointee.exitPid >= 0, (base + slot.pointee.exitGroupDead).load(as: UInt8.self) != 0 {
            exitPids.insert((base + slot.pointee.exitPid).loadUnaligned(as: UInt32.self))
        }
        return true
    }

    /// Hands out the columns of every table whose (rows, firstRowAt) `due` selects, leaving
    /// those tables empty.
    func take(where due: (_ rows: Int, _ firstRowAt: UInt64) -> Bool) -> [(tableID: UInt32, schema: TableSchema, family: Family, columns: [ColumnData])] {
        var out: [(UInt32, TableSchema, Family, [ColumnData])] = []
        for i in 0..<slotCount {
            let slot = slots + i
            guard slot.pointee.rows > 0, due(slot.pointee.rows, slot.pointee.firstRowAt) else { continue }
            let t = tables[i]
            let columns: [ColumnData] = t.columns.map { isInt, j in
                isInt ? .ints(slot.pointee.ints[j].take()) : .blobs(slot.pointee.blobs[j].take())
            }
            slot.pointee.rows = 0
            out.append((t.tableID, t.schema, t.family, columns))
        }
        return out
    }

    func takeUserStackPids() -> [UInt32] {
        defer { userStackPids.removeAll(keepingCapacity: true) }
        return Array(userStackPids)
    }

    func takeExecPids() -> [UInt32] {
        defer { execPids.removeAll(keepingCapacity: true) }
        return Array(execPids)
    }

    func takeExitPids() -> [UInt32] {
        defer { exitPids.removeAll(keepingCapacity: true) }
        return Array(exitPids)
    }

    /// Bytes of the current comm before the stacks of a generic record with stacks.
    static let taskCommSize = Int(BPFREC_GENERIC_TASK_COMM_MAX)

    /// Bytes of `struct bpfrec_generic_record` before the raw entry.
    static let genericHeaderSize = MemoryLayout<bpfrec_generic_record>.size

    /// The header offsets the generic ops read (bpf/families.h), checked once against the C layout.
    static let genericHeaderChecked: Bool = {
        precondition(MemoryLayout<bpfrec_generic_record>.offset(of: \.pid) == 16 && MemoryLayout<bpfrec_generic_record>.offset(of: \.size) == 24
                     && MemoryLayout<bpfrec_generic_record>.offset(of: \.cut) == 26 && MemoryLayout<bpfrec_generic_record>.offset(of: \.kstack_size) == 28
                     && MemoryLayout<bpfrec_generic_record>.offset(of: \.ustack_size) == 30, "struct bpfrec_generic_record changed: update RecordDecoder.genericSlot")
        return true
    }()

    /// How to move a generic event's record (header, then its format's fields) into its table.
    private static func genericSlot(_ e: GenericEvent) -> (Slot, [(Bool, Int)]) {
        _ = genericHeaderChecked
        let columns = storage(of: e.schema)
        func index(_ name: String) -> Int { columns[e.schema.columnIndex(name)!].1 }
        var ops: [FieldOp] = [
            FieldOp(type: 4, offset: 8, size: 8, lengthOffset: -1, column: index("ts")),
            FieldOp(type: 2, offset: 4, size: 4, lengthOffset: -1, column: index("cpu")),
            FieldOp(type: 2, offset: 16, size: 4, lengthOffset: -1, column: index("pid")),
            FieldOp(type: 2, offset: 20, size: 4, lengthOffset: -1, column: index("tid")),
            FieldOp(type: 1, offset: 26, size: 2, lengthOffset: -1, column: index(TracepointFormat.cutColumn)),
        ]
        if e.stacks.contains(.kernel) {
            ops.append(FieldOp(type: 13, offset: 28, size: Int(BPFREC_GENERIC_KSTACK_MAX), lengthOffset: e.entryOffset, column: index("kstack")))
        }
        if !e.stacks.isEmpty {
            ops.append(FieldOp(type: 15, offset: 0, size: taskCommSize, lengthOffset: e.entryOffset, column: index("task_comm")))
        }
        if e.stacks.contains(.user) {
            ops.append(FieldOp(type: 14, offset: 30, size: Int(BPFREC_GENERIC_USTACK_MAX), lengthOffset: e.entryOffset, column: index("ustack")))
        }
        for (k, name) in e.strings.enumerated() {
            ops.append(FieldOp(type: 6, offset: genericHeaderSize + k * TracepointFormat.stringMax, size: TracepointFormat.stringMax,
                               lengthOffset: -1, column: index(TracepointFormat.stringColumnName(of: name))))
        }
        let entry = e.entryOffset
        for f in e.format.fields {
            let at = entry + f.offset
            let column = index(TracepointFormat.columnName(of: f.name))
            switch f.kind {
            case .integer(let signed):
                let type: UInt8 = switch (f.size, signed) {
                case (1, false): 0
                case (1, true): 8
                case (2, false): 1
                case (2, true): 9
                case (4, false): 2
                case (4, true): 3
                case (_, false): 4
                case (_, true): 5
                }
                ops.append(FieldOp(type: type, offset: at, size: f.size, lengthOffset: -1, column: column))
            case .chars:
                ops.append(FieldOp(type: 6, offset: at, size: f.size, lengthOffset: -1, column: column))
            case .bytes:
                ops.append(FieldOp(type: 10, offset: at, size: f.size, lengthOffset: -1, column: column))
            case .dynamic(let text, let relative):
                ops.append(FieldOp(type: text ? 12 : 11, offset: at, size: TracepointFormat.dynamicMax, lengthOffset: entry << 1 | (relative ? 1 : 0), column: column))
            }
        }
        var slot = Slot.make(recordSize: entry + e.format.fixedSize, family: Int(Family.tracepoints.rawValue), ops: ops, columns: columns)
        if e.stacks.contains(.user) {
            // The header's pid and ustack_size: processes seen with user stacks get their maps read.
            slot.userStackPid = 16
            slot.userStackLength = 30
        }
        return (slot, columns)
    }

    /// For each schema column: (isInteger, its index among the slot's ints or blobs).
    private static func storage(of schema: TableSchema) -> [(Bool, Int)] {
        var columns: [(Bool, Int)] = []
        var ni = 0, nb = 0
        for c in schema.columns {
            if c.type.isInteger { columns.append((true, ni)); ni += 1 } else { columns.append((false, nb)); nb += 1 }
        }
        return columns
    }
}

extension RecordDecoder.Slot {
    /// A slot with its ops and empty column storage, allocated once (freed in deinit).
    static func make(recordSize: Int, family: Int, ops: [RecordDecoder.FieldOp], columns: [(Bool, Int)]) -> Self {
        let ni = columns.filter(\.0).count, nb = columns.count - ni
        let buffer = UnsafeMutableBufferPointer<RecordDecoder.FieldOp>.allocate(capacity: ops.count)
        _ = buffer.initialize(from: ops)
        let ints = UnsafeMutablePointer<IntColumn>.allocate(capacity: max(1, ni))
        ints.initialize(repeating: IntColumn(), count: max(1, ni))
        let blobs = UnsafeMutablePointer<BlobStaging>.allocate(capacity: max(1, nb))
        blobs.initialize(repeating: BlobStaging(), count: max(1, nb))
        return Self(recordSize: recordSize, family: family, ops: buffer, ints: ints, blobs: blobs, intCount: ni, blobCount: nb)
    }
}
