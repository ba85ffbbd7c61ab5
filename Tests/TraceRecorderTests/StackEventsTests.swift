import Foundation
import Glibc
import Testing
import TraceFormat
import TraceTestSupport

/// `bpfrec record --stack-events`: generic tracepoints with kernel and user stacks, counted by
/// `bpfan stackcount` exactly as often as a known workload hit them.
extension RecorderTests {
    /// Sends `count` SIGCONT to `target`, each through `sendOneSignal`. The user stack at the
    /// kill(2) names this function: kill(3) makes no frame, so the frame-pointer walk goes from
    /// its instruction straight to sendOneSignal's return address, here.
    @inline(never) func sendSignalsForStackcount(_ target: pid_t, count: Int) {
        for _ in 0..<count { sendOneSignal(target) }
    }

    @inline(never) func sendOneSignal(_ target: pid_t) { kill(target, SIGCONT) }

    @Test func stackEventsCountEveryHitWithItsStacks() throws {
        mountTracefs()
        let path = Harness.tempPath("stack-events")
        defer { unlink(path) }
        // signal_generate with stacks (not named with -e: --stack-events records it), and an
        // event recorded without stacks, which stackcount must refuse.
        let rec = try RecorderRun(path: path, arguments: ["--families", "none", "--stack-events", "signal:signal_generate",
                                                          "-e", "sched:sched_process_exec", "--flush-interval", "200", "--symbol-grace", "120"])
        #expect(rec.waitReady())
        let child = spawn("/bin/sleep", ["sleep", "30"])
        try #require(child.rc == 0)
        let signals = 37
        sendSignalsForStackcount(child.pid, count: signals)
        kill(child.pid, SIGKILL)
        _ = waitStatus(child.pid)
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")

        let file = try TraceFile(path: path)
        let table = try #require(file.tables.values.first { $0.name == "signal:signal_generate" })
        #expect(table.columns.map(\.name).suffix(4) == ["kstack", "ustack", "task_comm", "entry_cut"])
        let bpfan = try #require(Harness.builtBinary("bpfan"))
        // Folded, this process only: "comm;user frames;kernel frames count", outermost first.
        let me = getpid()
        let folded = try runBinary(bpfan, ["stackcount", "-f", "-p", "\(me)", "t:signal:signal_generate", path])
        #expect(folded.status == 0, "\(folded.stderr)")
        let ours = folded.stdout.split(separator: "\n").filter { $0.contains("sendSignalsForStackcount") }
        let counted = ours.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
        #expect(counted == signals, "\(folded.stdout)")
        for line in ours {
            let frames = line.split(separator: " ").dropLast().joined(separator: " ").split(separator: ";").map(String.init)
            // Innermost last: the tracepoint in __send_signal_locked, reached from kill(2).
            #expect(frames.contains("__x64_sys_kill") && frames.contains("entry_SYSCALL_64_after_hwframe") && frames.contains("__send_signal_locked"), "\(line)")
            #expect(frames.firstIndex(of: "kill").map { $0 < frames.firstIndex(of: "__x64_sys_kill")! } == true, "user frame kill before the kernel's: \(line)")
        }
        // -K merges every kill(2) of this process into kernel stacks alone: the same 37 and
        // more (the harness's own SIGINT to the recorder), never fewer.
        let kernelOnly = try runBinary(bpfan, ["stackcount", "-K", "-f", "-p", "\(me)", "t:signal:signal_generate", path])
        let killCounts = kernelOnly.stdout.split(separator: "\n").filter { $0.contains("__x64_sys_kill") }.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
        #expect(killCounts.reduce(0, +) >= signals && !kernelOnly.stdout.contains("sendSignals"), "\(kernelOnly.stdout)")

        // bcc's multi-line form with -P: frames indented two spaces, then comm [pid] and count.
        let lines = try runBinary(bpfan, ["stackcount", "-P", "-d", "t:signal:signal_generate", path])
        #expect(lines.stdout.hasPrefix("Tracing 1 functions for \"t:signal:signal_generate\"... Hit Ctrl-C to end.\n\n  "), "\(lines.stdout)")
        #expect(lines.stdout.contains("\n    --\n") && lines.stdout.hasSuffix("\nDetaching...\n"))
        let comm = String(decoding: try #require(readWhole("/proc/self/task/\(gettidNow())/comm")).utf8.dropLast(), as: UTF8.self)
        #expect(lines.stdout.contains("\n    b'\(comm)' [\(me)]\n    \(signals)\n\n"), "\(lines.stdout)")

        // An event recorded without stacks is refused, naming it and the flag to record it.
        let refused = try runBinary(bpfan, ["stackcount", "t:sched:sched_process_exec", path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("sched:sched_process_exec was recorded without stacks: record it with `bpfrec record --stack-events sched:sched_process_exec`"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
    }

    @Test(arguments: [
        (["--stack-events", "irq:no_such_event"], "--stack-events irq:no_such_event: no such tracepoint on this kernel"),
        (["--stack-events", "nosuch*:*"], "--stack-events nosuch*:*: matches no tracepoint of this kernel"),
        (["--stack-events", "signal:signal_generate,"], "--stack-events 'signal:signal_generate,': expected a comma-separated list"),
        (["--stack-events", "syscalls:sys_enter_openat:filename=str"], "--stack-events syscalls:sys_enter_openat:filename=str: expected SUBSYS:EVENT"),
        (["--stack-events", "signal:signal_generate", "--stack", "kernel,stack"], "--stack kernel,stack: 'stack' is not a stack kind"),
        (["--stack-events", "signal:signal_generate", "--stack", ""], "--stack : '' is not a stack kind"),
        (["-e", "signal:signal_generate", "--stack", "kernel"], "--stack kernel: says which stacks --stack-events take, and no --stack-events was given"),
    ])
    func stackEventsRefuseClearly(arguments: [String], message: String) throws {
        mountTracefs()
        let path = Harness.tempPath("stack-events-bad")
        unlink(path)
        let r = try runBinary(Harness.binary!, ["record", "-o", path, "-d", "1", "--families", "none"] + arguments)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(access(path, F_OK) != 0, "a refused recording leaves no file")
    }
}
