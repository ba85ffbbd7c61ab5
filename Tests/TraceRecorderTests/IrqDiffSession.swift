import Foundation
import Glibc
import Testing

/// One session of the irq / signal differential test: bpfrec attaches first, then the live
/// tools stage by stage (a stage's tools start together and all attach before the next stage
/// starts: on a shared tracepoint programs run in attach order, so the stages are the probe
/// order), then the workload, then every live tool is stopped at once and bpfrec last.
final class IrqDiffSession {
    /// Per-run prefix of the workload's comms, so that two runs on one machine do not mix.
    let tag = "q" + String(String(UInt32.random(in: 0x10000...0xfffff), radix: 16).suffix(4))
    let dir: String
    var recorder: RecorderRun?
    var live: [TimedLiveTool] = []
    /// The programs on every tracepoint with their mean run times (kernel.bpf_stats on for
    /// the session), read before anything detaches: what the probe-order skew is made of.
    var probes = ProbeTable()
    var recording: String { "\(dir)/run.trc" }

    init() {
        dir = "/tmp/bpfan-irqdiff-\(getpid())-\(tag)"
        mkdir(dir, 0o755)
    }

    func exe(_ base: String) -> String { "\(dir)/\(tag)-\(base)" }

    /// A copy of `source` named after the run's tag (its comm is then the workload's own).
    func copy(_ source: String, as base: String) throws -> String {
        try FileManager.default.copyItem(atPath: URL(fileURLWithPath: source).resolvingSymlinksInPath().path, toPath: exe(base))
        chmod(exe(base), 0o755)
        return exe(base)
    }

    func cleanUp() {
        for l in live where l.process.isRunning { l.process.interrupt(timeout: 5) }
        if let r = recorder, r.process.isRunning { _ = r.stop() }
        if ProcessInfo.processInfo.environment["BPFAN_DIFF_KEEP"] == nil {
            try? FileManager.default.removeItem(atPath: dir)
        } else {
            print("irq differential: outputs kept in \(dir)")
        }
    }

    func tool(_ label: String) -> TimedLiveTool? { live.first { $0.tool.label == label } }

    /// Records `families` with the live tools of `stages` beside it over `workload`. Returns
    /// why the session proves nothing and is to be run again (bpfrec lost events: the machine
    /// was too busy; a live tool did not exit on SIGINT), or throws when it cannot run at all.
    /// `ordered`: the tracepoints whose probe order the comparison relies on.
    func run(families: String, stages: [[DiffTool]], bpfan: String, ordered: [String] = [], workload: () throws -> Void) throws -> String? {
        let rec = try RecorderRun(path: recording, arguments: ["--families", families, "--flush-interval", "200"])
        recorder = rec
        guard rec.waitReady() else { throw SpawnedProcess.SpawnError(message: "bpfrec did not start: \(rec.stop().stderr)") }
        for stage in stages {
            let started = try stage.map { try TimedLiveTool($0, dir: dir) }
            live += started
            for t in started {
                if let why = t.waitAttached() { throw SpawnedProcess.SpawnError(message: why) }
            }
        }
        guard let stats = BPFRunTimeStats() else { throw SpawnedProcess.SpawnError(message: "BPF_ENABLE_STATS failed: \(String(cString: strerror(errno)))") }
        try workload()
        probes = try ProbeTable.read()
        withExtendedLifetime(stats) {}
        // Quiet edges: the last live tool attached and the first SIGINT are a little apart
        // from the workload, so the edge intervals hold background interrupts only.
        usleep(100_000)
        for l in live { l.interrupt() }
        let hung = live.filter { !$0.reap() }.map(\.tool.label)
        let foreign = foreignPrograms(on: ordered)
        let (status, err) = rec.stop()
        #expect(status == 0, "bpfrec exited \(status): \(err)")
        if !hung.isEmpty { return "\(hung.joined(separator: ", ")) did not exit within 30 s of SIGINT" }
        if !foreign.isEmpty {
            return "BPF programs of other processes ran after bpfrec's on the compared tracepoints (\(foreign.joined(separator: ", "))), so the probe order, which the allowances were measured with, was not the test's"
        }
        let info = try runBinaryOutput(bpfan, ["info", recording])
        guard let line = info.split(separator: "\n").first(where: { $0.hasPrefix("lost:") }) else {
            throw SpawnedProcess.SpawnError(message: "bpfan info printed no 'lost:' line: \(info.prefix(500))")
        }
        let lost = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
        if (Int(lost.prefix(while: \.isNumber)) ?? 1) > 0 { return "bpfrec lost events (\(lost)): the machine was too busy" }
        return nil
    }
}

extension IrqDiffSession {
    /// Programs of other processes (another engineer's tracer) that may run between bpfrec's
    /// and the live tools' on `points`: attached after bpfrec's, or classic tracepoint programs,
    /// whose place among the raw tracepoint probes is not shown.
    func foreignPrograms(on points: [String]) -> [String] {
        let recorderPid = recorder?.process.processIdentifier ?? -1
        let ours = Set(live.map(\.process.pid) + [recorderPid])
        return points.flatMap { tp -> [String] in
            let all = probes.byTracepoint[tp] ?? []
            let lastRecorder = all.filter { $0.pid == recorderPid }.compactMap(\.linkID).max() ?? 0
            return all.filter { !ours.contains($0.pid) && (!$0.rawTracepoint || ($0.linkID ?? Int.max) > lastRecorder) }.map { "\($0.name) of pid \($0.pid) on \(tp)" }
        }
    }
}

/// Runs `path args` to its end; its stdout (a failure to run, or a non-zero exit, throws).
func runBinaryOutput(_ path: String, _ args: [String]) throws -> String {
    let out = "/tmp/bpfan-irqdiff-out-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    defer { unlink(out); unlink(out + ".err") }
    let p = try SpawnedProcess([path] + args, out: out, err: out + ".err")
    let st = p.wait(timeout: 300)
    guard st == 0 else { throw SpawnedProcess.SpawnError(message: "\(path) \(args.joined(separator: " ")) exited with status \(st): \(p.errors.prefix(1000))") }
    return p.output
}
