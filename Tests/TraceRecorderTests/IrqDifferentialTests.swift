import Foundation
import Glibc
import Testing

/// The irq differential test: libbpf-tools hardirqs and softirqs run live beside bpfrec
/// (`--families irq`) over one workload (IrqWorkload), and bpfan, asked about each live tool's
/// own window (TimedLiveTool: bracketed by instants the test saw, so bpfan answers for the
/// window's inside and its outside), must give what the live tool printed:
/// - counts (hardirqs -C per handler, the -d histograms' totals) lie between bpfan's inner and
///   outer answers, exactly;
/// - time totals and histogram buckets may further differ by the probe order: on one
///   tracepoint the programs run one after another, each reading its own clock, so a live
///   tool's handler time is bpfan's plus what runs between bpfrec's clock read and its own at
///   the exit, minus the same at the entry. The compared tool attaches right after bpfrec
///   (stage 1), its A/A twin right after it (stage 2); the allowance is the A/A figures
///   measured (below), and each run logs its own A/A beside the comparison.
extension RecorderTests {
    /// hardirqs and softirqs in time mode (and hardirqs -C): µs per handler / vector.
    @Test func irqTimeAgainstLiveTools() throws {
        try irqDifferential(mode: .time)
    }

    /// hardirqs -d and softirqs -d: log2 histograms per handler / vector.
    @Test func irqHistogramsAgainstLiveTools() throws {
        try irqDifferential(mode: .dist)
    }
}

enum IrqMode { case time, dist }

extension RecorderTests {
    static let irqLiveTools = ["/usr/sbin/hardirqs", "/usr/sbin/softirqs", "/usr/sbin/sigsnoop", "/usr/bin/stdbuf"]

    /// The stages (probe order) of each mode's session.
    static func irqStages(_ mode: IrqMode) -> [[DiffTool]] {
        let flags = mode == .dist ? ["-d"] : []
        let first = [DiffTool(tool: "hardirqs", flags: flags, attached: "Tracing"), DiffTool(tool: "softirqs", flags: flags, attached: "Tracing")]
        let twins = first.map { var t = $0; t.twin = true; return t }
        // -C has no timing and runs after both, so nothing of it is between their clock reads.
        let counts = mode == .time ? [[DiffTool(tool: "hardirqs", flags: ["-C"], attached: "Tracing")], [DiffTool(tool: "hardirqs", flags: ["-C"], attached: "Tracing", twin: true)]] : []
        return [first, twins] + counts
    }

    func irqDifferential(mode: IrqMode) throws {
        let name = mode == .time ? "irqTimeAgainstLiveTools" : "irqHistogramsAgainstLiveTools"
        let missing = Self.irqLiveTools.filter { !FileManager.default.isExecutableFile(atPath: $0) }
        guard missing.isEmpty else {
            Issue.record("\(name): the live tools are missing: \(missing.joined(separator: ", ")). Install libbpf-tools (`make test` does, as root: TEST_DEB_PACKAGES).")
            return
        }
        guard let bpfan = Harness.builtBinary("bpfan") else {
            Issue.record("\(name): bpfan binary not found next to the test bundle (swift build first)")
            return
        }
        for line in StandardHostMounts.ensure() { print("\(name): \(line)") }
        // A session whose recording lost events, with a live tool that did not exit, or with
        // another process's tracer between bpfrec and the live tools, proves nothing: it is
        // run once more, then that is the failure.
        for attempt in 1...2 {
            let s = IrqDiffSession()
            defer { s.cleanUp() }
            if let why = try s.run(families: "irq", stages: Self.irqStages(mode), bpfan: bpfan,
                                 ordered: ["irq_handler_entry", "irq_handler_exit", "softirq_entry", "softirq_exit"], workload: { try IrqWorkload.run(dir: s.dir) }) {
                if attempt == 1 { print("\(name): \(why); running the session once more"); continue }
                Issue.record("\(name): in both sessions: \(why)")
                return
            }
            let problems = try IrqCompare(session: s, bpfan: bpfan, mode: mode).compare()
            for p in problems { Issue.record("\(name): \(p)") }
            return
        }
    }
}
