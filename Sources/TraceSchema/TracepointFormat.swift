import TraceFormat

/// A tracefs event `format` file (events/SUBSYS/EVENT/format), parsed: what the raw trace entry
/// of a classic tracepoint holds and where. bpfrec records any tracepoint by copying that entry;
/// this says how to turn it into a table, and the format text is kept in the recording.
public struct TracepointFormat: Sendable, Equatable {
    /// How a field's bytes become a column value.
    public enum Kind: Sendable, Equatable {
        /// An integer of 1, 2, 4 or 8 bytes (pointers too, as unsigned 8 bytes).
        case integer(signed: Bool)
        /// `char name[N]`: text up to the first NUL.
        case chars
        /// Any other fixed array, or a field of an odd size: the bytes as they are.
        case bytes
        /// `__data_loc T[] name` / `__rel_loc`: a u32 (length << 16 | offset) locating the data
        /// after the fixed part (`__rel_loc`: offset from the end of the field). `text` for char.
        case dynamic(text: Bool, relative: Bool)
    }

    public struct Field: Sendable, Equatable {
        public var name: String
        /// The declared C type, as the format file writes it (`unsigned long`, `__data_loc char[]`).
        public var type: String
        public var offset: Int
        public var size: Int
        public var kind: Kind
    }

    public var system: String
    public var name: String
    public var id: Int
    /// The common_* fields (type, flags, preempt count, pid) come first in every entry.
    public var commonFields: [Field]
    public var fields: [Field]
    /// Bytes of the fixed part of the entry (where dynamic data starts).
    public var fixedSize: Int

    public var event: String { "\(system):\(name)" }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Parses the text of `events/<system>/<event>/format`.
    public static func parse(_ text: String, system: String) throws(ParseError) -> TracepointFormat {
        var name: String?
        var id: Int?
        var common: [Field] = []
        var fields: [Field] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmed
            if line.hasPrefix("name: ") { name = String(line.dropFirst(6)) }
            if line.hasPrefix("ID: ") { id = Int(line.dropFirst(4)) }
            guard line.hasPrefix("field:") else { continue }
            let field: Field
            do throws(ParseError) { field = try parseField(line) } catch {
                throw ParseError(description: "\(system):\(name ?? "?") format line \(n + 1): \(error.description)")
            }
            if field.name.hasPrefix("common_") { common.append(field) } else { fields.append(field) }
        }
        guard let name, let id else { throw ParseError(description: "\(system): format has no name or ID line") }
        let fixed = (common + fields).map { $0.offset + $0.size }.max() ?? 0
        return TracepointFormat(system: system, name: name, id: id, commonFields: common, fields: fields, fixedSize: fixed)
    }

    /// `field:unsigned char comm[16];	offset:20;	size:16;	signed:0;`
    static func parseField(_ line: String) throws(ParseError) -> Field {
        let parts = line.split(separator: ";").map { $0.trimmed }
        guard parts.count >= 3, parts[0].hasPrefix("field:") else { throw ParseError(description: "not a field line: \(line)") }
        func number(_ key: String) -> Int? {
            parts.first { $0.hasPrefix(key + ":") }.flatMap { Int($0.dropFirst(key.count + 1)) }
        }
        guard let offset = number("offset"), let size = number("size"), offset >= 0, size >= 0 else {
            throw ParseError(description: "no offset or size in: \(line)")
        }
        let signed = number("signed") == 1
        let decl = String(parts[0].dropFirst(6)).trimmed
        // The name is the last identifier, with an array suffix kept apart.
        var nameEnd = decl.endIndex
        var array: String?
        if decl.hasSuffix("]"), let open = decl.lastIndex(of: "[") {
            array = String(decl[decl.index(after: open)..<decl.index(before: decl.endIndex)])
            nameEnd = open
        }
        let beforeArray = decl[..<nameEnd]
        guard let space = beforeArray.lastIndex(where: { $0 == " " || $0 == "*" }) else {
            throw ParseError(description: "no type in: \(decl)")
        }
        let name = String(beforeArray[beforeArray.index(after: space)...])
        var type = String(beforeArray[...space]).trimmed
        if let array { type += "[\(array)]" }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ParseError(description: "no field name in: \(decl)")
        }
        let kind: Kind
        if type.hasPrefix("__data_loc") || type.hasPrefix("__rel_loc") {
            guard size == 4 else { throw ParseError(description: "\(name): a dynamic field's locator is 4 bytes, not \(size)") }
            kind = .dynamic(text: type.contains("char"), relative: type.hasPrefix("__rel_loc"))
        } else if array != nil {
            let element = type.prefix { $0 != "[" }.trimmed
            kind = element == "char" || element == "const char" ? .chars : .bytes
        } else if type.contains("*") {
            kind = size == 8 || size == 4 ? .integer(signed: false) : .bytes
        } else if [1, 2, 4, 8].contains(size) {
            kind = .integer(signed: signed)
        } else {
            kind = .bytes
        }
        return Field(name: name, type: type, offset: offset, size: size, kind: kind)
    }
}

/// Which stacks a generic event takes at each hit (`bpfrec record --stack-events`, `--stack`).
public struct TracepointStacks: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let kernel = TracepointStacks(rawValue: 1)
    public static let user = TracepointStacks(rawValue: 2)
}

extension TracepointFormat {
    /// Header columns every generic table starts with; a field of the same name is stored as
    /// `arg_<name>` (`columnName(of:)`; so is one that starts with `arg_`, or is named like a
    /// stack column), so `args->pid` and the recorder's pid never clash.
    public static let headerColumns = ["ts", "cpu", "pid", "tid"]

    /// The column after the fields: 1 when the entry was cut.
    public static let cutColumn = "entry_cut"

    public static func columnName(of field: String) -> String {
        headerColumns.contains(field) || field == cutColumn || field.hasPrefix("arg_") || EventTables.genericStackColumns.contains { $0.name == field }
            ? "arg_\(field)" : field
    }

    /// The most bytes a dynamic field keeps; the rest is cut and flagged in `entry_cut`.
    public static let dynamicMax = 4096

    /// Bytes a string read behind a pointer field keeps, with its NUL.
    public static let stringMax = 256

    /// The column of a pointer field read as a string (`-e EVENT:filename=str`).
    public static func stringColumnName(of field: String) -> String { columnName(of: field) + "_str" }

    /// The table a recording of this event holds: the header, one column per field, a text
    /// column per pointer field read as a string (`strings`), the stack columns asked for
    /// (`stacks`: kstack, ustack, from schemas/tracepoints.json), and `entry_cut` (1 when the
    /// entry was longer than the recorder copies).
    public func tableSchema(family: String, strings: [String] = [], stacks: TracepointStacks = []) -> TableSchema {
        var columns = [
            ColumnSchema(name: "ts", type: .u64, unit: "ns", doc: "CLOCK_MONOTONIC time of the event"),
            ColumnSchema(name: "cpu", type: .u32, doc: "CPU the event ran on"),
            ColumnSchema(name: "pid", type: .u32, doc: "tgid of the current task (in interrupt context: whatever task was interrupted)"),
            ColumnSchema(name: "tid", type: .u32, doc: "thread id of the current task (the entry's common_pid)"),
        ]
        for f in fields {
            let column = Self.columnName(of: f.name)
            let doc = "\(f.type) \(f.name) (offset \(f.offset), size \(f.size))"
            switch f.kind {
            case .integer(let signed):
                let type: ColumnType = f.size == 8 ? (signed ? .i64 : .u64) : f.size == 4 ? (signed ? .i32 : .u32)
                    : signed ? .i32 : f.size == 2 ? .u16 : .u8
                columns.append(ColumnSchema(name: column, type: type, doc: doc))
            case .chars:
                columns.append(ColumnSchema(name: column, type: .str, max: max(1, f.size), doc: doc))
            case .bytes:
                columns.append(ColumnSchema(name: column, type: .bytes, max: max(1, f.size), doc: doc))
            case .dynamic(let text, _):
                columns.append(ColumnSchema(name: column, type: text ? .str : .bytes, max: Self.dynamicMax, doc: doc))
            }
        }
        for name in strings {
            columns.append(ColumnSchema(name: Self.stringColumnName(of: name), type: .str, max: Self.stringMax,
                                        doc: "the string \(name) pointed to, read at the event (user memory, else kernel memory), up to \(Self.stringMax - 1) bytes"))
        }
        // kstack, ustack as asked; task_comm (the last) with any stack.
        let stackColumns = EventTables.genericStackColumns
        for (kind, column) in zip([TracepointStacks.kernel, .user], stackColumns) where stacks.contains(kind) {
            columns.append(column)
        }
        if !stacks.isEmpty, let comm = stackColumns.last { columns.append(comm) }
        columns.append(ColumnSchema(name: Self.cutColumn, type: .u8, doc: "1 when the entry was longer than the recorder copies (dynamic data past the cap)"))
        return TableSchema(name: event, family: family, source: .bpf, doc: "tracepoint \(event), recorded generically (bpfrec -e): its format's fields", columns: columns)
    }
}

extension StringProtocol {
    /// Without leading and trailing blanks and tabs.
    var trimmed: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
