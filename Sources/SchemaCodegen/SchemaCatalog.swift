import Foundation
import TraceFormat

/// Reads schemas/*.json — the single description of every event table — and expands shared
/// column sets (`same_columns_as`, `extra_columns`) into plain table schemas.
public enum SchemaCatalog {
    struct File: Decodable {
        var family: String
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
    }

    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    /// Every table, ordered by file name then by position in the file. That order assigns the
    /// record kinds the BPF programs stamp on their records. `*.schema.json` files are JSON
    /// Schemas of bpfan's outputs, not tables.
    public static func load(directory: URL) throws -> [TableSchema] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".schema.json") }
            .sorted()
        var tables: [TableSchema] = []
        for name in files {
            let url = directory.appendingPathComponent(name)
            let file: File
            do { file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)) } catch {
                throw Error(description: "\(url.path): \(error)")
            }
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
        }
        let names = tables.map(\.name)
        if Set(names).count != names.count {
            throw Error(description: "\(directory.path): a table name is defined twice")
        }
        return tables
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
