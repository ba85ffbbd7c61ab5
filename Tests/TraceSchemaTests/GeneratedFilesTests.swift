import Foundation
import Testing
import SchemaCodegen
import TraceFormat
@testable import TraceSchema

/// The package root, found from this file's path (Tests/TraceSchemaTests/…).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Test func generatedFilesMatchTheSchemas() throws {
    let tables = try SchemaCatalog.load(directory: packageRoot.appendingPathComponent("schemas"))
    let swift = try String(contentsOf: packageRoot.appendingPathComponent(Emitters.swiftPath), encoding: .utf8)
    let header = try String(contentsOf: packageRoot.appendingPathComponent(Emitters.cHeaderPath), encoding: .utf8)
    #expect(swift == Emitters.swift(tables), "Sources/TraceSchema/GeneratedTables.swift is stale: run make generate")
    #expect(header == Emitters.cHeader(tables), "bpf/events.gen.h is stale: run make generate")
    // The compiled-in catalog is the one the JSON describes.
    #expect(EventTables.all == tables)
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
