#if canImport(Glibc)
import Glibc
#endif

/// `--base FILE` / `--new FILE`, each repeatable: several recordings (runs) per side. What a CI
/// job writes most easily is a glob, quoted (`--base 'base-*.trc'`: expanded here) or not
/// (`--base base-*.trc`: the shell's files after the first follow the option, and belong to it).
enum RunArguments {
    /// `args` with each recording that follows `--base FILE` or `--new FILE` (an existing
    /// `.trc` file, not an option) given its own `--base` / `--new`.
    static func attachFollowing(_ args: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            guard name == "--base" || name == "--new" else { out.append(a); i += 1; continue }
            let inline = a.contains("=")
            out.append(a)
            if !inline {
                guard i + 1 < args.count else { i += 1; continue }
                out.append(args[i + 1])
                i += 1
            }
            i += 1
            while i < args.count, !args[i].hasPrefix("-"), args[i].hasSuffix(".trc"), RecordingPaths.isFile(args[i]) {
                out += [name, args[i]]
                i += 1
            }
        }
        return out
    }

    /// The request of `--base`/`--new` runs; `words` are the tool and its flags.
    static func request(base: [String], new: [String], words: [String]) throws -> CompareRequest {
        if let first = words.first, first.hasSuffix(".trc") || (RecordingPaths.isFile(first) && ComparableTools.named(first) == nil) {
            throw CompareUsageError("'\(first)': with --base / --new give every recording through them (one --base or --new per file)")
        }
        let b = try base.flatMap { try expand($0, flag: "--base") }, n = try new.flatMap { try expand($0, flag: "--new") }
        guard !b.isEmpty else { throw CompareUsageError("--new given without --base: give each side's recordings (--base B1.trc --base B2.trc --new N1.trc --new N2.trc)") }
        guard !n.isEmpty else { throw CompareUsageError("--base given without --new: give each side's recordings (--base B1.trc --base B2.trc --new N1.trc --new N2.trc)") }
        if (b.count == 1) != (n.count == 1) {
            throw CompareUsageError("--base gives \(b.count) recording\(b.count == 1 ? "" : "s") and --new \(n.count): tests between runs need at least 2 per side (3 or more recommended), or one each")
        }
        return CompareRequest(base: b, new: n, tool: words.first, toolArguments: Array(words.dropFirst()))
    }

    /// A file as given, or the files a glob pattern matches (sorted, as the shell gives them).
    static func expand(_ value: String, flag: String) throws -> [String] {
        guard !RecordingPaths.isFile(value), value.contains(where: { "*?[".contains($0) }) else { return [value] }
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(value, 0, nil, &g) == 0 else { throw CompareUsageError("\(flag) '\(value)': no file matches") }
        var paths: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { paths.append(String(cString: p)) }
        }
        return paths.sorted()
    }
}
