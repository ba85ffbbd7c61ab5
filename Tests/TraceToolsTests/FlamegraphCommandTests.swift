import Foundation
import Testing
import TraceFormat
import TraceTestSupport
@testable import TraceTools

/// CPU samples of a few processes, kernel stacks only (bpfan profile -K): `counts` gives, per
/// comm, how many samples ran in user mode (no kernel stack) and how many in getpid.
func cpuSampleRecording(_ counts: [(comm: String, pid: Int64, user: Int, getpid: Int)]) throws -> String {
    let s = SyntheticRecording()
    s.duration = 3_000_000_000
    s.metadata[MetadataName.kernelSymbols] = Array("""
    ffffffff81000000 T _stext
    ffffffff81200000 T __x64_sys_getpid
    ffffffff81200100 T do_syscall_64
    ffffffff81300000 T _etext

    """.utf8)
    let getpid: [UInt64] = [0xffff_ffff_8120_0010, 0xffff_ffff_8120_0110]
    var t = 0.1
    for c in counts {
        for n in 0..<(c.user + c.getpid) {
            t += 0.01
            s.add("cpu_sample", ["ts": ns(t), "cpu": 0, "pid": .int(c.pid), "tid": .int(c.pid), "comm": .string(c.comm),
                                 "kstack": le(n < c.user ? [] : getpid), "ustack": le([]), "runq_len": 1])
        }
    }
    return try s.write()
}

@Suite struct FlamegraphCommandTests {
    func run(_ args: [String]) -> (status: Int32, stdout: String, stderr: [String]) {
        let r = FlamegraphCommand.entry(args, streaming: false)
        return (r.status, r.output.stdout, r.output.stderr)
    }

    @Test func differentialColoursEachFrameByItsChangeFromTheScaledBase() throws {
        // BASE: spin 4 user + 2 getpid, gone 2 (8 samples); NEW: spin 2 + 6, other 8 getpid
        // (16). BASE scaled by 2: spin 12 → 8 (-4), spin's getpid path 4 → 6 (+2), other
        // 0 → 8 (+8, the largest change: full red), gone 4 → 0 (not drawn).
        let base = try cpuSampleRecording([("spin", 100, 4, 2), ("gone", 300, 2, 0)])
        let new = try cpuSampleRecording([("spin", 100, 2, 6), ("other", 200, 0, 8)])
        let r = run(["--diff", base, new, "profile", "-K"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try SVGDocument(r.stdout)
        let rows = Set(doc.frames.map(\.y)).sorted(by: >)
        /// The frame at the end of `path` from "all": each one inside its parent's span.
        func frame(_ path: [String]) -> SVGDocument.Frame? {
            var at = doc.frames.first { $0.name == "all" }!
            for (depth, name) in path.enumerated() {
                guard let next = doc.frames.first(where: { $0.name == name && $0.y == rows[depth + 1] && $0.x >= at.x && $0.x + $0.w <= at.x + at.w }) else { return nil }
                at = next
            }
            return at
        }
        #expect(doc.texts["title"] == "Differential Flame Graph")
        #expect(doc.framesGroup["fg:total"] == "16")
        #expect(frame(["spin"])?.fill == "rgb(105,105,255)")                   // 210 * (8 - 4) / 8
        #expect(frame(["spin", "do_syscall_64"])?.fill == "rgb(255,157,157)")  // int(210 * (8 - 2) / 8)
        #expect(frame(["other"])?.fill == "rgb(255,0,0)")
        #expect(frame(["other"])?.title == "other (8 samples, 50.00%; base 0; +50.00%)")
        #expect(frame(["spin"])?.title == "spin (8 samples, 50.00%; base 6; -25.00%)")
        #expect(doc.frames.first { $0.name == "all" }?.fill == "rgb(255,255,255)")
        #expect(!doc.frames.contains { $0.name == "gone" })
        #expect(r.stderr.contains("bpfan flamegraph: note: 1 stacks of \(base) (2 samples, 25.0% of it) are not in \(new) and have no width; swap the recordings to see them"))
        func file(_ p: String) -> String { URL(fileURLWithPath: p).lastPathComponent }
        #expect(doc.texts["subtitle"] == "profile -K: widths \(file(new)), colours the change from \(file(base)) ×2.000 (red grew, blue fell)")
        // Raw values: spin's 6 samples became 8, a growth (+2 of the largest, +8).
        let raw = try SVGDocument(run(["--no-normalize", "--diff", base, new, "profile", "-K"]).stdout)
        #expect(raw.frames.first { $0.name == "spin" }?.fill == "rgb(255,157,157)")
        #expect(raw.frames.first { $0.name == "other" }?.fill == "rgb(255,0,0)")
    }

    @Test func plainGraphIsTheToolsSvg() throws {
        let path = try cpuSampleRecording([("spin", 100, 2, 6)])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fgc-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("g.svg").path
        let r = run(["--svg", file, "--title", "Mine", path, "profile", "-K"])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r.stderr)")
        let doc = try SVGDocument(try String(contentsOfFile: file, encoding: .utf8))
        let viaTool = try SVGDocument(try runTool(Profile.self, ["-K", "--svg", "-", path]).stdout)
        #expect(doc.texts["title"] == "Mine")
        #expect(doc.frames.map(\.title) == viaTool.frames.map(\.title))
        #expect(doc.frames.map(\.rect) == viaTool.frames.map(\.rect))
    }

    @Test func badInvocationsSayWhyInOneLine() throws {
        let path = try cpuSampleRecording([("spin", 100, 1, 1)])
        let cases: [([String], String)] = [
            ([path], "bpfan flamegraph: missing TOOL; usage: bpfan flamegraph [--diff BASE.trc] NEW.trc TOOL [TOOL's flags]"),
            ([path, "biolatency"], "bpfan flamegraph: 'biolatency' is not a stack tool flamegraph draws (profile, offcputime, stackcount)"),
            ([path, "profile", "--bogus"], "bpfan flamegraph: profile: Unknown option '--bogus'"),
            ([path, "profile", "--json"], "bpfan flamegraph: profile --json: give flamegraph's own --svg / --title (and no --json)"),
            (["--diff"], "bpfan flamegraph: --diff needs a value"),
            (["--diff", "/no/such.trc", path, "profile"], "bpfan flamegraph: profile failed on /no/such.trc (above)"),
            (["--svg", "/no/such/dir/g.svg", path, "profile"], "bpfan flamegraph: --svg /no/such/dir/g.svg: cannot write it: No such file or directory"),
        ]
        for (args, message) in cases {
            let r = run(args)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.last == message, "\(args): \(r.stderr)")
        }
        #expect(run(["--svg", "/no/such/dir/g.svg", path, "profile"]).status == 1)
    }
}
