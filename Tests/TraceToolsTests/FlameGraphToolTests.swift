import Foundation
import Testing
import TraceTestSupport
@testable import TraceTools

/// `--svg` on the stack tools draws exactly the stacks the tool prints: the folded output's
/// lines, frame for frame, value for value (samples/offcpu.trc, the bundled recording).
@Suite struct FlameGraphToolTests {
    static let sample = OffcpuSampleTests.sample

    /// The folded lines of a tool's -f output: frames outermost first, and the value.
    func folded(_ text: String) -> [(frames: [String], value: UInt64)] {
        text.split(separator: "\n").compactMap { line in
            guard let space = line.lastIndex(of: " "), let v = UInt64(line[line.index(after: space)...]) else { return nil }
            return (line[..<space].split(separator: ";", omittingEmptySubsequences: false).map(String.init), v)
        }
    }

    /// Every path of `lines` summed, as the graph must draw it: path → value.
    func paths(_ lines: [(frames: [String], value: UInt64)]) -> [[String]: UInt64] {
        var out: [[String]: UInt64] = [:]
        for l in lines {
            for n in 1...l.frames.count { out[Array(l.frames.prefix(n)), default: 0] += l.value }
        }
        return out
    }

    /// The graph's frames as paths from the root (without "all"), by walking the layout: a
    /// frame's parent is the frame one row below whose span holds it.
    func paths(_ doc: SVGDocument) -> [[String]: UInt64] {
        let rows = Dictionary(grouping: doc.frames, by: \.y)
        let ys = rows.keys.sorted(by: >)
        var pathOf: [Double: [(x: UInt64, w: UInt64, path: [String])]] = [ys[0]: [(0, rows[ys[0]]![0].w, [])]]
        var out: [[String]: UInt64] = [:]
        for (below, y) in zip(ys, ys.dropFirst()) {
            pathOf[y] = rows[y]!.map { f in
                let parent = pathOf[below]!.first { $0.x <= f.x && f.x + f.w <= $0.x + $0.w }!
                return (f.x, f.w, parent.path + [f.name])
            }
            for p in pathOf[y]! { out[p.path, default: 0] += p.w }
        }
        return out
    }

    @Test func offcputimeSvgIsItsFoldedOutputFrameForFrame() throws {
        let text = try runTool(Offcputime.self, ["-f", Self.sample]).stdout
        let out = try runTool(Offcputime.self, ["--svg", "-", Self.sample])
        let doc = try SVGDocument(out.stdout)
        let lines = folded(text)
        #expect(lines.count > 20)
        #expect(doc.framesGroup["fg:total"] == String(lines.reduce(0) { $0 + $1.value }))
        // Every frame a path of the folded lines with their summed value; every path of them
        // drawn unless narrower than 0.1 px.
        let drawn = paths(doc), expected = paths(lines)
        for (path, w) in drawn { #expect(expected[path] == w, "\(path)") }
        let total = Double(lines.reduce(0) { $0 + $1.value })
        for (path, v) in expected where Double(v) * 1180 / total >= 0.1 { #expect(drawn[path] == v, "\(path) not drawn") }
        // Kinds: the comm, then user frames, then kernel ones.
        let dd = try #require(doc.frames.first { $0.name == "dd" })
        #expect(dd.kind == "process")
        #expect(doc.frames.first { $0.name == "do_nanosleep" }?.kind == "kernel")
        #expect(doc.frames.first { $0.name == "clock_nanosleep" }?.kind == "user")
        #expect(doc.texts["title"] == "Off-CPU Time Flame Graph")
        #expect(doc.frames.first { $0.name == "all" }!.title.hasSuffix(" us, 100.00%)"))
        // The same stacks give the same bytes.
        #expect(try runTool(Offcputime.self, ["--svg", "-", Self.sample]).stdout == out.stdout)
    }

    @Test func delimitedAndKernelOnlyStacksAreDrawnAsPrinted() throws {
        let doc = try SVGDocument(try runTool(Offcputime.self, ["-d", "--svg", "-", Self.sample]).stdout)
        let dash = doc.frames.filter { $0.name == "-" }
        #expect(!dash.isEmpty && dash.allSatisfy { $0.kind == "delimiter" })
        let kernelOnly = try SVGDocument(try runTool(Offcputime.self, ["-K", "--svg", "-", Self.sample]).stdout)
        #expect(!kernelOnly.frames.contains { $0.kind == "user" })
        let folded = paths(folded(try runTool(Offcputime.self, ["-K", "-f", Self.sample]).stdout))
        for (path, w) in paths(kernelOnly) { #expect(folded[path] == w, "\(path)") }
    }

    @Test func svgFileBesideTheTextAndErrorsNameTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fg-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("p.svg").path
        let r = try runTool(Profile.self, ["--svg", file, Self.sample])
        // The text report is unchanged; the graph is in the file.
        #expect(r.stdout == (try runTool(Profile.self, [Self.sample])).stdout)
        let doc = try SVGDocument(try String(contentsOfFile: file, encoding: .utf8))
        #expect(doc.texts["title"] == "Flame Graph")
        #expect(doc.frames.first { $0.name == "all" }!.title.contains(" samples, 100.00%"))
        let bad = try runTool(Profile.self, ["--svg", dir.appendingPathComponent("no/such/dir.svg").path, Self.sample])
        #expect(bad.failed)
        #expect(bad.stderr.last == "bpfan profile: --svg \(dir.path)/no/such/dir.svg: cannot write it: No such file or directory")
    }
}
