import Foundation
import Glibc
import Testing
import TraceFormat
import TraceTestSupport

/// bpfan wakeuptime against the live libbpf-tools 0.26 wakeuptime on one run: bpfrec records
/// proc,sched with the wakers' stacks at sched:sched_wakeup; a shell blocked on a FIFO is the
/// workload (`-p` for the live tool); once the live tool has printed its banner the FIFO lets
/// the shell go, and it sleeps 20 × 20 ms (its wakers: each sleep's exit). bpfan answers over
/// the live tool's window (`--from` its banner, `--to` its SIGINT), so neither has a stamp from
/// before. Measured over 13 sessions here: identical keys (waker, target, kernel stack without
/// the live tool's own frames), bpfan's total 36-71 us below the live 430-480 ms (at most
/// 0.017%: the live tool's clock read waits for bpfrec's program on the shared tracepoint).
/// Allowed: totals within 0.1% (about 6 times the widest gap measured) and keys overlapping by
/// 99.9% of their weight (the same allowance).
///
/// The live tool's bpf_get_stackid can fail (its stack map has 1024 buckets and flags 0: a
/// stack whose bucket another holds gets -EEXIST); print_map() then says "missed kernel stack:
/// -2" on stderr (its lookup of the negative id) and prints the frames left in its buffer by the
/// key before, or none for the first. Seen in 3 of 25 runs beside two CPU spinners (an exit or
/// exec-completion wakeup printed with no stack, or with the other's), in none of 12 without:
/// those keys are told by that line (stderr shares the file with stdout, so it lands inside its
/// key's block) and matched by target and waker against the weight of bpfan's keys the live tool
/// lacks.
extension RecorderTests {
    @Test func wakeuptimeAgainstTheLiveTool() throws {
        let live = "/usr/sbin/wakeuptime"
        guard FileManager.default.isExecutableFile(atPath: live), let bpfan = Harness.builtBinary("bpfan") else {
            Issue.record("needs \(live) (apt-get install libbpf-tools) and the built bpfan")
            return
        }
        let path = Harness.tempPath("wakeuptime")
        let fifo = "/tmp/bpfan-wakeuptime-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let liveOut = fifo + ".live"
        defer { unlink(path); unlink(fifo); unlink(liveOut) }
        #expect(mkfifo(fifo, 0o600) == 0)
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc,sched", "--stack-events", "sched:sched_wakeup", "--stack", "kernel", "--flush-interval", "200"])
        #expect(rec.waitReady(), "recorder did not start")
        let shell = spawn("/bin/sh", ["sh", "-c", "read x < \(fifo); i=0; while [ $i -lt 20 ]; do sleep 0.02; i=$((i+1)); done"])
        try #require(shell.rc == 0)
        // posix_spawn (not Process): the test runner blocks signals, and the live tool must get
        // the SIGINT that makes it print.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, liveOut, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let tool = spawn("/usr/bin/stdbuf", ["stdbuf", "-oL", live, "-p", "\(shell.pid)", "60"], fileActions: &actions)
        try #require(tool.rc == 0)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && !(readWhole(liveOut) ?? "").contains("Tracing blocked time") { usleep(10_000) }
        let from = monotonicNow()
        let w = open(fifo, O_WRONLY)
        _ = write(w, "go\n", 3)
        close(w)
        _ = waitStatus(shell.pid)
        usleep(50_000)
        let to = monotonicNow()
        kill(tool.pid, SIGINT)
        _ = waitStatus(tool.pid)
        let (status, err) = rec.stop()
        #expect(status == 0, "recorder exit \(status): \(err)")

        let start = try #require(try TraceFile(path: path).metadata(named: MetadataName.recording, as: RecordingInfo.self)).startTime
        let window = ["--from", String(format: "%.6f", Double(from - start) / 1e9), "--to", String(format: "%.6f", Double(to - start) / 1e9)]
        let ours = try runBinary(bpfan, ["wakeuptime", "-p", "\(shell.pid)"] + window + [path])
        #expect(ours.status == 0, "\(ours.stderr)")
        let liveKeys = Self.wakeupKeys(readWhole(liveOut) ?? "", dropTracer: true), ourKeys = Self.wakeupKeys(ours.stdout, dropTracer: false)
        let liveTotal = liveKeys.values.reduce(0, +), ourTotal = ourKeys.values.reduce(0, +)
        var shared = Set(liveKeys.keys).intersection(ourKeys.keys).reduce(0) { $0 + min(liveKeys[$1]!, ourKeys[$1]!) }
        // A missed live stack: bpfan's weight under the same target and waker in keys the live
        // tool does not have (its stack is the one the live tool could not store).
        var missed = 0
        for (key, us) in liveKeys where key.hasSuffix("|" + Self.missedStack) {
            let prefix = String(key.dropLast(Self.missedStack.count))
            let unmatched = ourKeys.filter { $0.key.hasPrefix(prefix) && liveKeys[$0.key] == nil }.values.reduce(0, +)
            shared += min(us, unmatched)
            missed += us
        }
        let missedLines = (readWhole(liveOut) ?? "").split(separator: "\n").filter { $0.hasPrefix("missed kernel stack") }
        if !missedLines.isEmpty { print("wakeuptime: the live tool said \(missedLines.joined(separator: "; "))") }
        print("wakeuptime: live \(liveKeys.count) keys \(liveTotal) us (\(missed) us with a missed stack), bpfan \(ourKeys.count) keys \(ourTotal) us, shared weight \(shared) us")
        #expect(liveTotal > 300_000, "the live tool saw \(liveTotal) us: \(readWhole(liveOut) ?? "")")
        #expect(abs(Double(ourTotal - liveTotal)) <= 0.001 * Double(liveTotal), "totals: bpfan \(ourTotal) us, live \(liveTotal) us")
        #expect(Double(shared) >= 0.999 * Double(max(liveTotal, ourTotal)), "keys overlap by \(shared) us of \(liveTotal) live / \(ourTotal) bpfan\nlive: \(liveKeys)\nbpfan: \(ourKeys)")
    }

    static let missedStack = "[missed kernel stack]"

    /// print_map()'s blocks as (target|waker|frames) → us; the live tool's own frames
    /// (its program and the tracepoint glue) dropped when `dropTracer`. A block with the live
    /// tool's "missed kernel stack" line gets `missedStack` for its frames, whatever it printed.
    static func wakeupKeys(_ text: String, dropTracer: Bool) -> [String: Int] {
        var out: [String: Int] = [:]
        for block in text.components(separatedBy: "\n\n").dropFirst() {
            var lines = block.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let missed = lines.contains { $0.hasPrefix("missed kernel stack:") }
            lines.removeAll { $0.hasPrefix("missed kernel stack:") }
            guard lines.count >= 3, lines[0].hasPrefix("target:"), let us = Int(lines[lines.count - 1]) else { continue }
            var frames = lines[1..<(lines.count - 2)].map { String($0.split(separator: " ", maxSplits: 1).last ?? "") }
            if missed { frames = [missedStack] }
            if dropTracer {
                frames = Array(frames.drop { $0.hasPrefix("bpf_prog_") || $0.hasPrefix("bpf_trace_run") || $0.hasPrefix("__traceiter_") })
            }
            out[lines[0] + "|" + lines[lines.count - 2] + "|" + frames.joined(separator: ";"), default: 0] += us
        }
        return out
    }
}
