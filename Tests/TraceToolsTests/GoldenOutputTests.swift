import Foundation
import Testing
import TraceTools

/// Every tool's text output on the bundled samples, byte for byte, as committed under Goldens/:
/// refactoring the tools (the output model, printf, the registry) must not change one byte of
/// what the live tools' users read. A golden holds the whole output when it is small; a large
/// one keeps its first 60 lines, its size and an FNV-1a hash of the whole (a change past line 60 is still
/// caught, and the message says where to look). BPFAN_UPDATE_GOLDENS=1 writes them anew.
struct GoldenOutputTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens")
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samples")

    struct Invocation: CustomStringConvertible, Sendable {
        var sample: String
        var arguments: [String]
        var description: String { "\(sample): \(arguments.joined(separator: " "))" }
        var fileName: String {
            (sample + "_" + arguments.joined(separator: "_")).replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: " ", with: "_") + ".golden"
        }
    }

    static let invocations: [Invocation] = {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("invocations.txt"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { return nil }
            return Invocation(sample: String(line[..<colon]), arguments: line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
    }()

    /// What a golden file holds for an output.
    static func golden(stdout: String, stderr: [String], failed: Bool) -> String {
        let lines = stdout.split(separator: "\n", omittingEmptySubsequences: false)
        var body = stdout
        if stdout.utf8.count > 16_384 {
            body = lines.prefix(60).joined(separator: "\n") + "\n[... \(lines.count) lines, \(stdout.utf8.count) bytes, fnv1a64 \(fnv1a64(stdout))]\n"
        }
        return body + "--- stderr\n" + stderr.map { $0 + "\n" }.joined() + "--- exit \(failed ? "failure" : "0")\n"
    }

    @Test(arguments: invocations)
    func goldenOutputs(_ inv: Invocation) throws {
        let path = Self.samples.appendingPathComponent(inv.sample + ".trc").path
        guard let tool = try BpfanCommand.parseAsRoot(inv.arguments + [path]) as? any RecordingTool else {
            Issue.record("\(inv): not a recording tool")
            return
        }
        let out = tool.execute()
        let got = Self.golden(stdout: out.stdout, stderr: out.stderr.map { $0.replacingOccurrences(of: path, with: "SAMPLE") }, failed: out.failed)
        let file = Self.directory.appendingPathComponent(inv.fileName)
        if ProcessInfo.processInfo.environment["BPFAN_UPDATE_GOLDENS"] != nil {
            try got.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        guard let want = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record("\(inv): no golden \(file.lastPathComponent) (BPFAN_UPDATE_GOLDENS=1 writes it)")
            return
        }
        if got != want {
            let g = got.split(separator: "\n", omittingEmptySubsequences: false), w = want.split(separator: "\n", omittingEmptySubsequences: false)
            let first = (0..<min(g.count, w.count)).first { g[$0] != w[$0] } ?? min(g.count, w.count)
            Issue.record("\(inv): output differs from \(file.lastPathComponent) at line \(first + 1):\n  golden: \(first < w.count ? String(w[first]) : "<end>")\n  now:    \(first < g.count ? String(g[first]) : "<end>")")
        }
    }

    /// Every golden file belongs to an invocation (a renamed flag leaves none behind).
    @Test func noStaleGoldens() throws {
        let names = Set(Self.invocations.map(\.fileName))
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".golden") }
        #expect(Set(files).subtracting(names).isEmpty, "goldens without an invocation: \(Set(files).subtracting(names).sorted())")
        #expect(!Self.invocations.isEmpty)
    }
}

/// FNV-1a, 64 bits, as 16 hex digits: a change detector for large goldens.
func fnv1a64(_ s: String) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
