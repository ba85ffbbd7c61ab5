import Foundation
import Testing
import SchemaCodegen
import TraceFormat
@testable import TraceSchema

/// The package root, found from this file's path (Tests/TraceSchemaTests/…).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Test func generatedFilesMatchTheSchemas() throws {
    let families = try SchemaCatalog.loadFamilies(directory: packageRoot.appendingPathComponent("schemas"))
    for (path, text) in Emitters.all(families) {
        let committed = try String(contentsOf: packageRoot.appendingPathComponent(path), encoding: .utf8)
        #expect(committed == text, "\(path) is stale: run make generate")
    }
    // The compiled-in catalog is the one the JSON describes.
    #expect(EventTables.all == families.flatMap(\.tables))
    // The derived views of bpfan sql: their catalog is generated from schemas/views.json too.
    let views = try SchemaCatalog.loadViews(directory: packageRoot.appendingPathComponent("schemas"), tables: families.flatMap(\.tables))
    let committedViews = try String(contentsOf: packageRoot.appendingPathComponent(Emitters.viewsPath), encoding: .utf8)
    #expect(committedViews == Emitters.views(views), "\(Emitters.viewsPath) is stale: run make generate")
    #expect(ViewSchemas.all.map(\.name) == views.map(\.name))
    try FamilySources.check(families, bpfDirectory: packageRoot.appendingPathComponent("bpf"))
}

/// A family is a schema file plus a .bpf.c: adding one must leave every other family's record
/// kinds, and its number, as they were.
@Test func aNewFamilyRenumbersNothing() throws {
    let families = try SchemaCatalog.loadFamilies(directory: packageRoot.appendingPathComponent("schemas"))
    let before = Dictionary(uniqueKeysWithValues: RecordLayoutPlanner.plan(families).map { ($0.table.name, $0.kind) })
    let ts = ColumnSchema(name: "ts", type: .u64, unit: "ns", doc: "")
    let head = [ts] + ["cpu", "pid", "tid"].map { ColumnSchema(name: $0, type: .u32, doc: "") }
    // "aaa" sorts first by file name, as a new schemas/aaa.json would.
    let added = FamilySchema(name: "aaa", id: 42, doc: "", attaches: ["x:y"],
                             tables: [TableSchema(name: "aaa_event", family: "aaa", source: .bpf, doc: "", columns: head)])
    let after = RecordLayoutPlanner.plan([added] + families)
    for r in after where r.table.name != "aaa_event" {
        #expect(before[r.table.name] == r.kind, "\(r.table.name) renumbered")
    }
    #expect(after.first { $0.table.name == "aaa_event" }?.kind == 42 << 8 | 1)
    #expect(Emitters.familiesHeader([added] + families).contains("#define BPFREC_FAMILY_AAA 42\n"))
    // Kinds are what the committed layouts say: family id in the high byte, table number low.
    for layout in RecordLayout.all {
        let family = families.first { $0.name == EventTables.named(layout.table)?.family }!
        #expect(Int(layout.kind) >> 8 == family.id, "\(layout.table)")
        #expect(Int(layout.kind) & 0xff >= 1)
    }
}

@Test func familySchemaMistakesAreNamed() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("schema-families-\(getpid())")
    defer { try? FileManager.default.removeItem(at: dir) }
    func catalog(_ files: [String: String]) throws -> [FamilySchema] {
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return try SchemaCatalog.loadFamilies(directory: dir)
    }
    func file(_ family: String, id: String, table: String) -> String {
        let columns = #"[{"name": "ts", "type": "u64", "doc": ""}, {"name": "cpu", "type": "u32", "doc": ""}, {"name": "pid", "type": "u32", "doc": ""}, {"name": "tid", "type": "u32", "doc": ""}]"#
        return #"{"family": "\#(family)", \#(id) "attaches": ["a:b"], "doc": "", "tables": [{"name": "\#(table)", "source": "bpf", "doc": "", "columns": \#(columns)}]}"#
    }
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }
    #expect(message { _ = try catalog(["a.json": file("a", id: "", table: "t1")]) }.contains("needs an id"))
    #expect(message { _ = try catalog(["a.json": file("a", id: #""id": 1,"#, table: "t1"), "b.json": file("b", id: #""id": 1,"#, table: "t2")]) }
        .contains("two families have the same id"))
    #expect(message { _ = try catalog(["a.json": file("a", id: #""id": 64,"#, table: "t1")]) }.contains("outside 0...63"))
    let ok = try catalog(["a.json": file("a", id: #""id": 3,"#, table: "t1")])
    let bpf = dir.appendingPathComponent("bpf")
    try FileManager.default.createDirectory(at: bpf, withIntermediateDirectories: true)
    #expect(message { try FamilySources.check(ok, bpfDirectory: bpf) }.contains("bpf/a.bpf.c does not exist"))
    try "".write(to: bpf.appendingPathComponent("a.bpf.c"), atomically: true, encoding: .utf8)
    try FamilySources.check(ok, bpfDirectory: bpf)
    try "".write(to: bpf.appendingPathComponent("z.bpf.c"), atomically: true, encoding: .utf8)
    #expect(message { try FamilySources.check(ok, bpfDirectory: bpf) }.contains("bpf/z.bpf.c has no schema"))
}

@Test func recordLayoutsCoverEveryColumnWithoutOverlap() {
    for layout in RecordLayout.all {
        let schema = EventTables.named(layout.table)!
        #expect(Set(layout.fields.map(\.column)) == Set(schema.columns.indices), "\(layout.table) misses a column")
        var used = IndexSet(integersIn: 0..<4)  // kind
        for f in layout.fields {
            let range = f.offset..<(f.offset + f.size)
            #expect(!used.intersects(integersIn: range), "\(layout.table) column \(f.column) overlaps")
            used.insert(integersIn: range)
            if f.lengthOffset >= 0 {
                #expect(!used.intersects(integersIn: f.lengthOffset..<(f.lengthOffset + 2)))
                used.insert(integersIn: f.lengthOffset..<(f.lengthOffset + 2))
            }
            #expect(range.upperBound <= layout.size)
        }
        #expect(layout.size % 8 == 0)
    }
}

/// clang compiles the header, and its static asserts fail if a C offset differs from the plan the
/// Swift decoder uses. Skipped (and listed so) where no C compiler is installed.
private let cCompiler = ["/opt/swift/usr/bin/clang", "/usr/bin/clang", "/usr/bin/cc"].first { FileManager.default.isExecutableFile(atPath: $0) }

@Test(.enabled(if: cCompiler != nil && FileManager.default.fileExists(atPath: "/usr/include/linux/types.h"), "needs a C compiler and the kernel UAPI headers to compile bpf/events.gen.h"))
func cHeaderOffsetsAgreeWithSwiftLayouts() throws {
    let cc = cCompiler!
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("schema-check-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let source = dir.appendingPathComponent("check.c")
    try "#include <linux/types.h>\n#include \"events.gen.h\"\nint main(void) { return 0; }\n".write(to: source, atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: cc)
    p.arguments = ["-fsyntax-only", "-Werror", "-I", packageRoot.appendingPathComponent("bpf").path, source.path]
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0, "bpf/events.gen.h does not compile or its offsets disagree")
}
