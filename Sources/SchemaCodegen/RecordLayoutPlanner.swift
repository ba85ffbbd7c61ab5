import TraceFormat

/// Lays out the fixed-size C record a BPF program writes for a table: a u32 kind first, then
/// the fields by falling alignment (so there is no padding between them), strings and byte
/// strings last. The C header and the Swift decoder both come from this one plan.
public struct PlannedRecord: Sendable {
    public struct Field: Sendable {
        public var column: Int
        public var name: String
        public var type: ColumnType
        public var offset: Int
        /// Bytes of the value (the array size for str/bytes).
        public var size: Int
        /// For `bytes`: offset of the u16 length that precedes the data.
        public var lengthOffset: Int?
    }

    public var kind: Int
    public var table: TableSchema
    public var fields: [Field]
    public var size: Int

    public var structName: String { "\(table.name)_record" }
    public var kindName: String { "EVENT_\(table.name.uppercased())" }
}

public enum RecordLayoutPlanner {
    /// Records of every BPF table. A kind is the family's id in the high byte and the table's
    /// position among the family's BPF tables (from 1) in the low byte, so a new family, or a
    /// table added at the end of a family, leaves every other kind as it was.
    public static func plan(_ families: [FamilySchema]) -> [PlannedRecord] {
        var out: [PlannedRecord] = []
        for f in families {
            guard let id = f.id else { continue }
            for (i, t) in f.tables.filter({ $0.source == .bpf }).enumerated() {
                out.append(plan(t, kind: id << 8 | (i + 1)))
            }
        }
        return out
    }

    static func plan(_ t: TableSchema, kind: Int) -> PlannedRecord {
        var fields: [PlannedRecord.Field] = []
        var offset = 4  // u32 kind
        // One 4-byte field fills the hole between the kind and the first 8-byte field.
        let filler = t.columns.firstIndex { $0.type.fixedWidth == 4 }
        if let i = filler {
            fields.append(.init(column: i, name: t.columns[i].name, type: t.columns[i].type, offset: 4, size: 4))
            offset = 8
        }
        for width in [8, 4, 2, 1] {
            if width == 8 { offset = (offset + 7) & ~7 }
            for (i, c) in t.columns.enumerated() where c.type.fixedWidth == width && i != filler {
                fields.append(.init(column: i, name: c.name, type: c.type, offset: offset, size: width))
                offset += width
            }
            if width == 2 {
                for (i, c) in t.columns.enumerated() where c.type == .bytes {
                    fields.append(.init(column: i, name: c.name, type: c.type, offset: -1, size: c.max!, lengthOffset: offset))
                    offset += 2
                }
            }
        }
        for (i, c) in t.columns.enumerated() where !c.type.isInteger {
            if let j = fields.firstIndex(where: { $0.column == i }) {
                fields[j].offset = offset
            } else {
                fields.append(.init(column: i, name: c.name, type: c.type, offset: offset, size: c.max!))
            }
            offset += c.max!
        }
        let size = (offset + 7) & ~7
        return PlannedRecord(kind: kind, table: t, fields: fields.sorted { $0.offset < $1.offset }, size: size)
    }
}
