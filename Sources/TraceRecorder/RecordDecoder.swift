import Glibc
import TraceFormat
import TraceSchema

/// Moves fixed-layout ring-buffer records (bpf/events.gen.h) into per-table column buffers,
/// generically: `RecordLayout.forKind` says where each column sits, the table's schema says
/// its type. Only the drain thread touches it.
final class RecordDecoder {
    struct Slot {
        var layout: RecordLayout
        var family: Family
        var buffer: TableBuffer
        /// CLOCK_MONOTONIC ns when the buffer got its first row since the last flush.
        var firstRowAt: UInt64 = 0
    }

    private(set) var slots: [Slot] = []
    /// Slot index by record kind; -1 for kinds of families not recorded.
    private var slotByKind: [Int]
    private(set) var eventsByFamily = [UInt64](repeating: 0, count: Family.allCases.count)
    private(set) var malformed: UInt64 = 0

    /// `tableIDs` maps each recorded BPF table's name to its id in the writer.
    init(families: [Family], tableIDs: [String: UInt32]) {
        slotByKind = [Int](repeating: -1, count: RecordLayout.all.count + 1)
        for layout in RecordLayout.all {
            guard let schema = EventTables.named(layout.table), let family = Family(name: schema.family),
                  families.contains(family), let id = tableIDs[layout.table] else { continue }
            slotByKind[Int(layout.kind)] = slots.count
            slots.append(Slot(layout: layout, family: family, buffer: TableBuffer(tableID: id, schema: schema, reserve: 1024)))
        }
    }

    /// Decodes one record; false when it is not a record this recording knows.
    @inline(__always)
    func decode(_ base: UnsafeRawPointer, size: Int, now: UInt64) -> Bool {
        guard size >= 4 else { malformed += 1; return false }
        let kind = Int(base.loadUnaligned(as: UInt32.self))
        guard kind < slotByKind.count, case let s = slotByKind[kind], s >= 0 else { malformed += 1; return false }
        guard size >= slots[s].layout.size else { malformed += 1; return false }
        slots.withUnsafeMutableBufferPointer { all in
            let slot = all.baseAddress! + s
            if slot.pointee.buffer.rowCount == 0 { slot.pointee.firstRowAt = now }
            for f in slot.pointee.layout.fields {
                let p = base + f.offset
                switch f.type {
                case .u8: slot.pointee.buffer.append(int: Int64(p.load(as: UInt8.self)), column: f.column)
                case .u16: slot.pointee.buffer.append(int: Int64(p.loadUnaligned(as: UInt16.self)), column: f.column)
                case .u32: slot.pointee.buffer.append(int: Int64(p.loadUnaligned(as: UInt32.self)), column: f.column)
                case .i32: slot.pointee.buffer.append(int: Int64(p.loadUnaligned(as: Int32.self)), column: f.column)
                case .u64: slot.pointee.buffer.append(uint: p.loadUnaligned(as: UInt64.self), column: f.column)
                case .i64: slot.pointee.buffer.append(int: p.loadUnaligned(as: Int64.self), column: f.column)
                case .str:
                    // Up to the first NUL, never past the array.
                    let n = memchr(p, 0, f.size).map { UnsafeRawPointer($0) - p } ?? f.size
                    slot.pointee.buffer.append(bytes: UnsafeRawBufferPointer(start: p, count: n), column: f.column)
                case .bytes:
                    let n = min(Int((base + f.lengthOffset).loadUnaligned(as: UInt16.self)), f.size)
                    slot.pointee.buffer.append(bytes: UnsafeRawBufferPointer(start: p, count: n), column: f.column)
                }
            }
            eventsByFamily[Int(slot.pointee.family.rawValue)] += 1
        }
        return true
    }

    /// Hands out the columns of every slot that `due` selects, leaving those buffers empty.
    func take(where due: (Slot) -> Bool) -> [(tableID: UInt32, schema: TableSchema, family: Family, columns: [ColumnData])] {
        var out: [(UInt32, TableSchema, Family, [ColumnData])] = []
        for i in slots.indices where slots[i].buffer.rowCount > 0 && due(slots[i]) {
            out.append((slots[i].buffer.tableID, slots[i].buffer.schema, slots[i].family, slots[i].buffer.takeColumns()))
        }
        return out
    }
}
