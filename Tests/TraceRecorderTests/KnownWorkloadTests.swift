import CBPFPrograms
import Foundation
import Glibc
import Testing
import TraceFormat

/// Root tests on the real kernel: a workload with known facts is recorded and every fact is
/// found exactly in the recording. Serialized: recorders see every process, so one test's
/// syscall storm must not overflow another's ring. Without root they are listed as skipped.
@Suite(.serialized, .needsRecorder)
struct RecorderTests {
    @Test func knownWorkloadIsRecordedExactly() throws {
        let path = Harness.tempPath("known")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc,syscalls,sched", "--flush-interval", "200"])
        #expect(rec.waitReady(), "recorder did not start")
        let me = Int64(getpid())
        let myTid = Int64(gettidNow())

        // 1. openat on unique paths: even ones are created, odd ones fail with ENOENT.
        let dir = "/tmp/bpfrec-open-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(dir, 0o700)
        var opens: [(path: String, ret: Int64)] = []
        for i in 0..<20 {
            let p = "\(dir)/f\(i)"
            let fd = i % 2 == 0 ? open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600) : open(p, O_RDONLY | O_CLOEXEC)
            opens.append((p, fd >= 0 ? Int64(fd) : -Int64(errno)))
            if fd >= 0 { close(fd) }
        }
        defer {
            for i in stride(from: 0, to: 20, by: 2) { unlink("\(dir)/f\(i)") }
            rmdir(dir)
        }

        // 2. fork+exec with known argv and exit codes; one exec that fails; one with too many args.
        var children: [(pid: pid_t, path: String, argv: [String], exitCode: Int64)] = []
        for _ in 0..<3 {
            let a = ["sh", "-c", "exit 3"]
            let c = spawn("/bin/sh", a)
            #expect(c.rc == 0)
            children.append((c.pid, "/bin/sh", a, 3 << 8))
            let t = ["true", "alpha", String(repeating: "b", count: 127)]
            let d = spawn("/bin/true", t)
            #expect(d.rc == 0)
            children.append((d.pid, "/bin/true", t, 0))
        }
        let longArgv = ["true"] + (1...24).map { "arg\($0)" }
        let long = spawn("/bin/true", longArgv)
        children.append((long.pid, "/bin/true", longArgv, 0))
        for c in children { _ = waitStatus(c.pid) }
        let missing = "/nonexistent-\(getpid())/prog"
        let failed = spawn(missing, ["prog"])
        #expect(failed.rc == ENOENT)

        // 3. a kill with a known signal.
        let sleeper = spawn("/bin/sleep", ["sleep", "30"])
        usleep(100_000)
        let killRet = kill(sleeper.pid, SIGUSR1)
        #expect(killRet == 0)
        _ = waitStatus(sleeper.pid)

        // 4. two threads ping-ponging one byte over pipes.
        let rounds = 200
        let pp = PingPong(rounds: rounds)
        pp.run()

        usleep(300_000)
        let t0 = Date()
        let (status, err) = rec.stop()
        print("recorder stopped in \(Date().timeIntervalSince(t0)) s: \(err)")
        #expect(status == 0, "recorder exit \(status): \(err)")
        #expect(err.contains("lost 0"), "\(err)")

        let file = try TraceFile(path: path)
        #expect(file.hasFooter)
        defer { print("read back in \(Date().timeIntervalSince(t0)) s") }

        // openat facts: exactly one detail row per path, with the right result and caller.
        let detail = try Rows(file, "syscall_detail")
        for o in opens {
            let hits = (0..<detail.count).filter { detail.string("path", $0) == o.path }
            #expect(hits.count == 1, "\(o.path): \(hits.count) rows")
            guard let r = hits.first else { continue }
            #expect(detail.int("id", r) == 257)
            #expect(detail.int("ret", r) == o.ret)
            #expect(detail.int("pid", r) == me)
            #expect(detail.int("tid", r) == myTid)
            // Registers are raw: the int dirfd is in the low 32 bits.
            #expect(Int32(truncatingIfNeeded: detail.int("arg0", r)) == AT_FDCWD)
        }
        // The syscall table has the same calls (same enter time, id and result).
        let calls = try Rows(file, "syscall")
        let callIndex = Dictionary(grouping: calls.rows(where: "tid", is: myTid), by: { calls.int("ts", $0) })
        for r in (0..<detail.count) where detail.int("tid", r) == myTid && detail.int("id", r) == 257 {
            let same = callIndex[detail.int("ts", r)] ?? []
            #expect(same.count == 1 && calls.int("id", same[0]) == 257 && calls.int("ret", same[0]) == detail.int("ret", r))
        }

        // exec facts.
        let execs = try Rows(file, "process_exec")
        let exits = try Rows(file, "process_exit")
        let forks = try Rows(file, "process_fork")
        for c in children {
            let e = execs.rows(where: "pid", is: Int64(c.pid))
            #expect(e.count == 1, "exec of \(c.pid): \(e.count) rows")
            if let r = e.first {
                #expect(execs.string("filename", r) == c.path)
                // Every argument of these is kept whole (60 of up to 127 bytes at least).
                #expect(execs.bytes("argv", r) == c.argv.flatMap { Array($0.utf8) + [0] })
                #expect(execs.int("argc", r) == Int64(c.argv.count))
                #expect(execs.int("args_truncated", r) == 0)
                #expect(execs.int("args_cut", r) == 0)
                #expect(execs.int("ret", r) == 0)
                #expect(execs.int("ppid", r) == me)
                #expect(execs.string("comm", r) == String(c.argv[0].prefix(15)))
            }
            let x = exits.rows(where: "pid", is: Int64(c.pid))
            #expect(x.count == 1, "exit of \(c.pid): \(x.count) rows")
            if let r = x.first {
                #expect(exits.int("exit_code", r) == c.exitCode)
                #expect(exits.int("group_dead", r) == 1)
                #expect(exits.int("ppid", r) == me)
            }
            let f = forks.rows(where: "child_pid", is: Int64(c.pid))
            #expect(f.count == 1 && forks.int("pid", f[0]) == me)
        }
        let failedExec = (0..<execs.count).filter { execs.string("filename", $0) == missing }
        #expect(failedExec.count == 1)
        if let r = failedExec.first {
            #expect(execs.int("ret", r) == -Int64(ENOENT))
            #expect(execs.int("ppid", r) == me)
        }

        // kill facts: the syscall's target and signal, and the victim's exit by that signal.
        let kills = (0..<detail.count).filter { detail.int("id", $0) == 62 && detail.int("pid", $0) == me && detail.int("arg0", $0) == Int64(sleeper.pid) }
        #expect(kills.count == 1)
        if let r = kills.first {
            #expect(detail.int("arg0", r) == Int64(sleeper.pid))
            #expect(detail.int("arg1", r) == Int64(SIGUSR1))
            #expect(detail.int("ret", r) == 0)
        }
        let sleeperExit = exits.rows(where: "pid", is: Int64(sleeper.pid))
        #expect(sleeperExit.count == 1)
        if let r = sleeperExit.first { #expect(exits.int("exit_code", r) == Int64(SIGUSR1)) }

        // ping-pong facts: exact write/read counts per thread; blocking and wakeups between them.
        let (a, b) = pp.tids
        for (tid, fd) in [(a, pp.fds.aWrite), (b, pp.fds.bWrite)] {
            let writes = calls.rows(where: "tid", is: Int64(tid)).filter { calls.int("id", $0) == 1 && calls.int("ret", $0) == 1 }
            #expect(writes.count == rounds, "thread \(tid) fd \(fd): \(writes.count) writes")
            let reads = calls.rows(where: "tid", is: Int64(tid)).filter { calls.int("id", $0) == 0 && calls.int("ret", $0) == 1 }
            #expect(reads.count == rounds, "thread \(tid): \(reads.count) reads")
        }
        let wakes = try Rows(file, "sched_wakeup")
        // B's wakeups (current is the waker only for local wakeups: a queued remote wakeup
        // fires on B's CPU in whatever task runs there, so the waker is not checked).
        #expect(wakes.rows(where: "target_tid", is: Int64(b)).count > 0)
        for r in wakes.rows(where: "target_tid", is: Int64(b)) { #expect(wakes.int("target_pid", r) == me) }
        let switches = try Rows(file, "sched_switch")
        let bBlocks = switches.rows(where: "tid", is: Int64(b)).filter { switches.int("prev_state", $0) == 1 }
        #expect(bBlocks.count > 0)

        // Own process never recorded; nothing lost.
        let recorderPid = Int64(rec.process.processIdentifier)
        #expect(calls.rows(where: "pid", is: recorderPid).isEmpty)
        // A switch to or from the recorder is the other task's event and is kept; one between
        // two recorder threads, and wakeups of the recorder, are not recorded.
        #expect(switches.rows(where: "pid", is: recorderPid).allSatisfy { switches.int("next_pid", $0) != recorderPid })
        #expect(wakes.rows(where: "target_pid", is: recorderPid).isEmpty)
        #expect(try Rows(file, "lost_events").count == 0)
        #expect(try Rows(file, "process_snapshot").rows(where: "pid", is: me).count > 0)
        #expect(try file.metadata(named: MetadataName.syscallNames) != nil)
        // Kernel symbols serve only the stacks family's kernel stacks, which this recording has not.
        #expect(try file.metadata(named: MetadataName.kernelSymbols) == nil)
    }
}

/// Two threads passing one byte back and forth over two pipes.
final class PingPong: @unchecked Sendable {
    // @unchecked: tids are written by each thread before `done` is signalled and read after.
    let rounds: Int
    let fds: (aWrite: Int32, aRead: Int32, bWrite: Int32, bRead: Int32)
    private var tidA: Int32 = 0, tidB: Int32 = 0
    private let done = DispatchSemaphore(value: 0)

    init(rounds: Int) {
        self.rounds = rounds
        var ab: [Int32] = [0, 0], ba: [Int32] = [0, 0]
        pipe(&ab)
        pipe(&ba)
        fds = (ab[1], ba[0], ba[1], ab[0])
    }

    var tids: (Int32, Int32) { (tidA, tidB) }

    func run() {
        let a = Thread { [self] in
            tidA = gettidNow()
            var byte: UInt8 = 1
            for _ in 0..<rounds {
                _ = write(fds.aWrite, &byte, 1)
                _ = read(fds.aRead, &byte, 1)
            }
            done.signal()
        }
        let b = Thread { [self] in
            tidB = gettidNow()
            var byte: UInt8 = 0
            for _ in 0..<rounds {
                _ = read(fds.bRead, &byte, 1)
                _ = write(fds.bWrite, &byte, 1)
            }
            done.signal()
        }
        b.start()
        a.start()
        done.wait()
        done.wait()
        for fd in [fds.aWrite, fds.aRead, fds.bWrite, fds.bRead] { close(fd) }
    }
}
