import Foundation
import Glibc
import Testing

/// libbpf-tools sigsnoop (signal:signal_generate) live beside bpfrec `--families signal,proc`,
/// and `bpfan sigsnoop` on the recording: the rows of the workload's own processes (comms named
/// after the run's tag) are the same, exactly, as multisets of (PID, COMM, SIG, TPID, RESULT).
/// The workload runs inside every live tool's window (TimedLiveTool), so no edge can drop one.
extension RecorderTests {
    @Test func sigsnoopAgainstLiveTool() throws {
        let name = "sigsnoopAgainstLiveTool"
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
        let stages = [[DiffTool(tool: "sigsnoop", attached: "TPID"), DiffTool(tool: "sigsnoop", flags: ["-x"], attached: "TPID"), DiffTool(tool: "sigsnoop", flags: ["-n"], attached: "TPID")]]
        for attempt in 1...2 {
            let s = IrqDiffSession()
            defer { s.cleanUp() }
            var helper: Int32 = 0
            if let why = try s.run(families: "signal,proc", stages: stages, bpfan: bpfan, workload: { helper = try Self.signalWorkload(s) }) {
                if attempt == 1 { print("\(name): \(why); running the session once more"); continue }
                Issue.record("\(name): in both sessions: \(why)")
                return
            }
            for l in s.live {
                let out = try runBinaryOutput(bpfan, ["sigsnoop"] + l.tool.flags + [s.recording])
                // TIME PID COMM SIG TPID RESULT; TIME is each side's own clock reading.
                func ours(_ text: String) -> [[String]] { rows(text, fields: 6).filter { $0[2].hasPrefix(s.tag + "-") }.map { Array($0.dropFirst()) } }
                let a = ours(l.process.output), b = ours(out)
                let (onlyLive, onlyBpfan) = multisetDiff(a, b)
                if l.tool.flags.isEmpty {
                    // The workload's known signals are among them, so the comparison has reach:
                    // the helper's 3 SIGTERM, SIGSTOP, SIGCONT, SIGKILL and SIGUSR2 (to itself), and
                    // SIGCHLD to it from each of its 5 children.
                    let fromHelper = a.filter { $0[0] == String(helper) }
                    for (sig, n) in [("15", 3), ("19", 1), ("18", 1), ("9", 1), ("12", 1)] {
                        #expect(fromHelper.filter { $0[2] == sig }.count == n, "\(name): the helper's \(n) signal \(sig) in the live rows: \(a)")
                    }
                    #expect(a.filter { $0[2] == "17" && $0[3] == String(helper) }.count >= 5, "\(name): SIGCHLD to the helper in the live rows: \(a)")
                }
                // -x: signal_generate with a non-zero result (ignored, already pending, ...);
                // this workload makes none on this kernel (its ignored SIGUSR2 reads result 0),
                // so both sides printing none is the expected answer there.
                if onlyLive.isEmpty && onlyBpfan.isEmpty && (!a.isEmpty || l.tool.flags == ["-x"]) {
                    print("\(name): \(l.tool.label): \(a.count) workload rows identical")
                } else {
                    Issue.record("\(name): \(l.tool.label): \(a.count) live rows, \(b.count) bpfan rows of the workload\nonly in live: \(onlyLive)\nonly in bpfan: \(onlyBpfan)")
                }
            }
            return
        }
    }

    /// A shell (a copy named after the tag) that signals copies of sleep, each giving SIGCHLD
    /// back; one signal it ignores; one to no process (no signal generated: not a row). Returns
    /// the shell's pid.
    static func signalWorkload(_ s: IrqDiffSession) throws -> Int32 {
        let sh = try s.copy("/bin/sh", as: "sh"), slp = try s.copy("/bin/sleep", as: "slp")
        let script = """
            for i in 1 2 3; do \(slp) 30 & kill -TERM $!; wait $!; done
            \(slp) 30 & p=$!; kill -STOP $p; kill -CONT $p; kill -KILL $p; wait $p
            \(slp) 0.01
            trap '' USR2; kill -USR2 $$
            kill -USR1 999999 2>/dev/null
            exit 0
            """
        let p = try SpawnedProcess([sh, "-c", script], out: "/dev/null", err: "/dev/null")
        let st = p.wait(timeout: 60)
        guard st == 0 else { throw SpawnedProcess.SpawnError(message: "the signal workload exited with status \(st)") }
        // The helper's SIGCHLD to this process is generated as it exits; the live tool's output
        // is read after SIGINT, but let the perf buffer drain first.
        usleep(200_000)
        return p.pid
    }
}
