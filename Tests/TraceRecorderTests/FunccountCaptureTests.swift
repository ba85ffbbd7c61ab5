import Foundation
import Glibc
import Testing

/// `bpfrec record --families none -e …` over a workload with known counts of distinct
/// tracepoints, and `bpfan funccount -p PID` on it: the workload's own counts, exactly.
extension RecorderTests {
    @Test func funccountCountsKnownTracepointsExactly() throws {
        let name = "funccountCountsKnownTracepointsExactly"
        guard let bpfan = Harness.builtBinary("bpfan") else {
            Issue.record("\(name): bpfan binary not found next to the test bundle (swift build first)")
            return
        }
        for line in StandardHostMounts.ensure() { print("\(name): \(line)") }
        let path = Harness.tempPath("funccount")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "none", "-e", "signal:*", "-e", "syscalls:sys_enter_kill", "-e", "syscalls:sys_enter_write",
                                                          "--flush-interval", "200"])
        try #require(rec.waitReady(), "bpfrec did not start")
        // perl (its own process, so -p selects it alone): N SIGCONT to a child asleep, one
        // SIGKILL to it, K SIGUSR1 to itself with a handler (each generated and delivered in
        // it), M one-byte writes to a pipe; at its exit the SIGCHLD to its parent (this
        // process) is generated in its context too. The child's SIGCHLD is the child's.
        let (n, k, m) = (37, 11, 53)
        let script = """
            $SIG{USR1} = sub {};
            my $c = fork; if (!$c) { sleep 30; exit 0 }
            kill 'CONT', $c for 1..\(n);
            kill 'KILL', $c; waitpid($c, 0);
            kill 'USR1', $$ for 1..\(k);
            pipe(R, W); syswrite(W, "x") for 1..\(m);
            """
        let p = try SpawnedProcess(["/usr/bin/perl", "-e", script], out: "/dev/null", err: "\(path).perl.err")
        defer { unlink("\(path).perl.err") }
        #expect(p.wait(timeout: 60) == 0, "perl: \(p.errors)")
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")

        func counts(_ pattern: String) throws -> [String: Int] {
            let out = try runBinaryOutput(bpfan, ["funccount", "-p", String(p.pid), pattern, path])
            var c: [String: Int] = [:]
            for r in rows(out, fields: 2) { if let v = Int(r[1]) { c[r[0]] = v } }
            return c
        }
        let signals = try counts("t:signal:*"), syscalls = try counts("t:syscalls:sys_enter_*")
        #expect(signals == ["signal:signal_generate": n + 1 + k + 1, "signal:signal_deliver": k], "\(name): \(signals)")
        #expect(syscalls == ["syscalls:sys_enter_kill": n + 1 + k, "syscalls:sys_enter_write": m], "\(name): \(syscalls)")
        print("\(name): funccount -p \(p.pid): \(signals.sorted { $0.key < $1.key }), \(syscalls.sorted { $0.key < $1.key })")
    }
}
