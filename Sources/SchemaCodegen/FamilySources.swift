import Foundation

/// A BPF family is its schema file and its program, bpf/<name>.bpf.c: each needs the other.
public enum FamilySources {
    public static func check(_ families: [FamilySchema], bpfDirectory: URL) throws {
        let programs = Set(try FileManager.default.contentsOfDirectory(atPath: bpfDirectory.path)
            .filter { $0.hasSuffix(".bpf.c") }.map { String($0.dropLast(".bpf.c".count)) })
        let bpf = Set(families.filter(\.isBPF).map(\.name))
        if let f = bpf.subtracting(programs).sorted().first {
            throw SchemaCatalog.Error(description: "schemas/\(f).json describes a BPF family, but bpf/\(f).bpf.c does not exist")
        }
        if let p = programs.subtracting(bpf).sorted().first {
            throw SchemaCatalog.Error(description: "bpf/\(p).bpf.c has no schema: add schemas/\(p).json with an id and its tables")
        }
    }
}
