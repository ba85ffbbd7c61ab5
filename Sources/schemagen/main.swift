import Foundation
import SchemaCodegen

// Regenerates the files that follow schemas/*.json. Run from the package root (`make generate`);
// `--check` exits 1 instead of writing when a committed file is out of date.
let arguments = CommandLine.arguments.dropFirst()
let check = arguments.contains("--check")
let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
do {
    let families = try SchemaCatalog.loadFamilies(directory: root.appendingPathComponent("schemas"))
    try FamilySources.check(families, bpfDirectory: root.appendingPathComponent("bpf"))
    var stale: [String] = []
    let views = try SchemaCatalog.loadViews(directory: root.appendingPathComponent("schemas"), tables: families.flatMap(\.tables))
    for (path, text) in Emitters.all(families) + [(Emitters.viewsPath, Emitters.views(views))] {
        let url = root.appendingPathComponent(path)
        let current = try? String(contentsOf: url, encoding: .utf8)
        if current == text { continue }
        if check {
            stale.append(path)
        } else {
            try text.write(to: url, atomically: true, encoding: .utf8)
            print("schemagen: wrote \(path)")
        }
    }
    if !stale.isEmpty {
        FileHandle.standardError.write(Data("schemagen: out of date with schemas/: \(stale.joined(separator: ", ")) (run make generate)\n".utf8))
        exit(1)
    }
} catch {
    FileHandle.standardError.write(Data("schemagen: \(error)\n".utf8))
    exit(1)
}
