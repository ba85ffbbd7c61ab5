import Foundation
import TraceFormat

/// One schema file's family: a BPF family (an `id` and bpf/<name>.bpf.c) or the recorder's own
/// tables (no id, no BPF object).
public struct FamilySchema: Sendable, Equatable {
    public var name: String
    /// The C `enum bpfrec_family` value: indexes the loss counters and makes the record kinds.
    /// Written in the schema file, so a new family renumbers nothing.
    public var id: Int?
    public var doc: String
    /// What the family's programs attach to, for `bpfrec families`.
    public var attaches: [String]
    public var tables: [TableSchema]
    /// A family whose tables are made at record time (the generic tracepoint capture): it has
    /// an id and a BPF object but no fixed tables.
    public var generic: Bool
    /// Names `--families` accepts for sets of tracepoints recorded by this generic family.
    public var presets: [String: [String]]
    /// A family recorded only when `--families` names it (`opt_in` in the schema): one whose
    /// events come at a rate a default recording should not pay for (a TCP socket's every
    /// send and receive).
    public var optIn: Bool = false
    /// Columns a generic family appends to the table of an event recorded with stacks
    /// (`stack_columns`: kstack and ustack, bytes of u64 addresses).
    public var stackColumns: [ColumnSchema] = []
    /// True when each table holds every hit of the tracepoint `<subsystem>:<table>` it is named
    /// after (no filter, no pairing): counting its rows counts the tracepoint (funccount).
    public var everyHit: Bool = false
    public var subsystem: String?
    /// Tables that serve a kernel tracepoint by its name and format fields (`tracepoint` in
    /// the schema): bpftrace programs and argdist/trace read them as that tracepoint.
    public var tracepointViews: [TracepointView] = []

    public var isBPF: Bool { id != nil }

    public init(name: String, id: Int?, doc: String, attaches: [String], tables: [TableSchema], generic: Bool = false, presets: [String: [String]] = [:]) {
        self.presets = presets
        self.name = name
        self.id = id
        self.doc = doc
        self.attaches = attaches
        self.tables = tables
        self.generic = generic
    }
}

/// A table read as the kernel tracepoint it records: each format field is a column, or a C
/// expression over the table's columns where the recorder stores the value differently.
public struct TracepointView: Sendable, Equatable, Decodable {
    public struct Field: Sendable, Equatable, Decodable {
        public var name: String
        public var from: String
    }
    public var event: String
    public var fields: [Field]
    /// What the table misses of the tracepoint's hits, where it keeps only some of them.
    public var coverage: String?
    public var table: String = ""
    enum CodingKeys: String, CodingKey { case event, fields, coverage }
}

/// Reads schemas/*.json — the single description of every event table and family — and expands
/// shared column sets (`same_columns_as`, `extra_columns`) into plain table schemas.
public enum SchemaCatalog {
    struct File: Decodable {
        var family: String
        var id: Int?
        var generic: Bool?
        var opt_in: Bool?
        var presets: [String: [String]]?
        var stack_columns: [ColumnSchema]?
        var every_hit_of: String?
        var attaches: [String]?
        var doc: String
        var tables: [Table]
        var column_sets: [String: [ColumnSchema]]?
    }

    struct Table: Decodable {
        var name: String
        var source: TableSource
        var doc: String
        var columns: [ColumnSchema]?
        var same_columns_as: String?
        var extra_columns: [ColumnSchema]?
        var tracepoint: TracepointView?
    }

    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    /// Ids bound the loss-counter array (BPFREC_FAMILY_SLOTS in bpf/families.h) and the record
    /// kinds (id << 8 | table).
    public static let maxFamilyID = 63
    public static let maxTablesPerFamily = 255

    /// A generic family's stack columns: the kernel stack, the user stack, and the current
    /// task's comm (which generic records otherwise lack).
    public static let stackColumnNames = ["kstack", "ustack", "task_comm"]

    /// Every table, ordered by file name then by position in the file. `*.schema.json` files
    /// are JSON Schemas of bpfan's outputs, not tables.
    public static func load(directory: URL) throws -> [TableSchema] {
        try loadFamilies(directory: directory).flatMap(\.tables)
    }

    /// Every family, ordered by file name.
    public static func loadFamilies(directory: URL) throws -> [FamilySchema] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".schema.json") && $0 != viewsFile }
            .sorted()
        var families: [FamilySchema] = []
        for name in files {
            let url = directory.appendingPathComponent(name)
            let file: File
            do { file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)) } catch {
                throw Error(description: "\(url.path): \(error)")
            }
            var tables: [TableSchema] = []
            for t in file.tables {
                var columns = t.columns ?? []
                if let set = t.same_columns_as {
                    guard let shared = file.column_sets?[set] else {
                        throw Error(description: "\(url.path): table \(t.name) names unknown column set \(set)")
                    }
                    columns = shared + columns
                }
                columns += t.extra_columns ?? []
                let schema = TableSchema(name: t.name, family: file.family, source: t.source, doc: t.doc, columns: columns)
                try validate(schema, file: url.path)
                tables.append(schema)
            }
            var family = FamilySchema(name: file.family, id: file.id, doc: file.doc, attaches: file.attaches ?? [], tables: tables, generic: file.generic ?? false, presets: file.presets ?? [:])
            for t in file.tables {
                guard var view = t.tracepoint else { continue }
                view.table = t.name
                family.tracepointViews.append(view)
            }
            family.stackColumns = file.stack_columns ?? []
            family.optIn = file.opt_in ?? false
            if let subsystem = file.every_hit_of {
                family.everyHit = true
                family.subsystem = subsystem
            }
            try validate(family, file: url.path)
            families.append(family)
        }
        let names = families.flatMap(\.tables).map(\.name)
        if Set(names).count != names.count {
            throw Error(description: "\(directory.path): a table name is defined twice")
        }
        let ids = families.compactMap(\.id)
        if Set(ids).count != ids.count {
            throw Error(description: "\(directory.path): two families have the same id")
        }
        if Set(families.map(\.name)).count != families.count {
            throw Error(description: "\(directory.path): a family is defined twice")
        }
        return families
    }

    /// The derived views of `bpfan sql`: not recorded tables, so in a file of their own.
    public static let viewsFile = "views.json"

    public struct View: Decodable, Sendable, Equatable {
        public var name: String
        public var doc: String
        public var tables: [String]
        public var columns: [ColumnSchema]
    }

    /// The views of schemas/views.json, checked: names unique and apart from every table's,
    /// columns unique, documented, and not the `host` and `recording` every table gains.
    public static func loadViews(directory: URL, tables: [TableSchema]) throws -> [View] {
        let url = directory.appendingPathComponent(viewsFile)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        struct File: Decodable { var views: [View] }
        let views: [View]
        do { views = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).views } catch {
            throw Error(description: "\(url.path): \(error)")
        }
        let tableNames = Set(tables.map(\.name))
        var seen = Set<String>()
        for v in views {
            guard seen.insert(v.name).inserted, !tableNames.contains(v.name) else {
                throw Error(description: "\(url.path): view \(v.name) is defined twice or names a table")
            }
            for t in v.tables where !tableNames.contains(t) {
                throw Error(description: "\(url.path): view \(v.name) needs unknown table \(t)")
            }
            let names = v.columns.map(\.name)
            guard Set(names).count == names.count else { throw Error(description: "\(url.path): view \(v.name) has a column name twice") }
            for c in v.columns {
                guard !c.doc.isEmpty else { throw Error(description: "\(url.path): \(v.name).\(c.name) has no doc") }
                guard c.name != "host", c.name != "recording" else {
                    throw Error(description: "\(url.path): \(v.name).\(c.name): host and recording are added to every table and view")
                }
            }
        }
        return views
    }

    static func validate(_ f: FamilySchema, file: String) throws {
        let bpfTables = f.tables.filter { $0.source == .bpf }
        guard f.name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }), f.name.first?.isLetter == true else {
            throw Error(description: "\(file): family name '\(f.name)' must be lower-case letters, digits and _ (it names bpf/\(f.name).bpf.c)")
        }
        if let id = f.id {
            guard (0...maxFamilyID).contains(id) else { throw Error(description: "\(file): id \(id) is outside 0...\(maxFamilyID)") }
            guard !bpfTables.isEmpty || f.generic else { throw Error(description: "\(file): family \(f.name) has an id but no bpf table") }
            guard bpfTables.count <= maxTablesPerFamily else { throw Error(description: "\(file): more than \(maxTablesPerFamily) bpf tables") }
            guard !f.attaches.isEmpty else { throw Error(description: "\(file): a BPF family lists what it attaches to (attaches)") }
        } else if !bpfTables.isEmpty {
            throw Error(description: "\(file): family \(f.name) has bpf tables, so it needs an id (a number no other family uses)")
        }
        if !f.stackColumns.isEmpty {
            guard f.generic else { throw Error(description: "\(file): stack_columns belong to a generic family (fixed tables list their stack columns)") }
            guard f.stackColumns.map(\.name) == stackColumnNames else {
                throw Error(description: "\(file): stack_columns must be \(stackColumnNames.joined(separator: " and ")), in that order (the BPF record carries them so)")
            }
            guard f.stackColumns.last?.type == .str, f.stackColumns.last?.max == 16 else {
                throw Error(description: "\(file): stack column task_comm must be str with max 16 (bpf_get_current_comm)")
            }
            for c in f.stackColumns.dropLast() {
                // bpf_get_stack fills whole u64 frames.
                guard c.type == .bytes, let max = c.max, max > 0, max % 8 == 0, max <= 65535 else {
                    throw Error(description: "\(file): stack column \(c.name) must be bytes with a max that is a positive multiple of 8 (u64 frames)")
                }
            }
        }
    }

    static func validate(_ t: TableSchema, file: String) throws {
        guard t.columns.first?.name == "ts", t.columns.first?.type == .u64 else {
            throw Error(description: "\(file): table \(t.name): the first column must be ts (u64, ns)")
        }
        if Set(t.columns.map(\.name)).count != t.columns.count {
            throw Error(description: "\(file): table \(t.name) has a column name twice")
        }
        for c in t.columns where !c.type.isInteger {
            guard let max = c.max, max > 0, max <= 65535 else {
                throw Error(description: "\(file): \(t.name).\(c.name): str and bytes columns need a max between 1 and 65535")
            }
        }
        if t.source == .bpf {
            let head = t.columns.prefix(4).map(\.name)
            guard head == ["ts", "cpu", "pid", "tid"] else {
                throw Error(description: "\(file): BPF table \(t.name) must start with ts, cpu, pid, tid")
            }
        }
    }
}
