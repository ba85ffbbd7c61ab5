import Foundation
import Glibc
import Testing
import TraceTestSupport

/// bpfan offwaketime on a workload whose wakeups take a known path: a reader thread of this
/// process blocks in read(2) on a pipe, and the main thread writes one byte every 2 ms, so the
/// reader's spans end with a waker stack through pipe_write and __wake_up, and the reader's own
/// stack is pipe_read and schedule. bcc's Python tool does not run here: the check is its
/// documented format and these call paths.
extension RecorderTests {
    final class TidBox: @unchecked Sendable {
        let lock = NSLock()
        var tid: Int32 = 0
    }

    @Test func offwaketimePairsAPipeReadWithItsWriter() throws {
        mountTracefs()
        let path = Harness.tempPath("offwaketime")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc,sched,stacks", "--offcpu-stacks", "all",
                                                          "--stack-events", "sched:sched_waking", "--flush-interval", "200"])
        #expect(rec.waitReady(), "recorder did not start")
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let (readFD, writeFD) = (fds[0], fds[1])
        let writes = 60
        let box = TidBox()
        let done = DispatchSemaphore(value: 0)
        let reader = Thread {
            box.lock.withLock { box.tid = gettidNow() }
            var byte: UInt8 = 0
            for _ in 0..<writes { _ = read(readFD, &byte, 1) }
            done.signal()
        }
        reader.start()
        usleep(50_000)
        var byte: UInt8 = 1
        for _ in 0..<writes {
            usleep(2_000)
            _ = write(writeFD, &byte, 1)
        }
        done.wait()
        close(readFD)
        close(writeFD)
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")
        let tid = box.lock.withLock { box.tid }
        let bpfan = try #require(Harness.builtBinary("bpfan"))

        // Folded: target;target frames outermost first;--;waker frames innermost first;waker.
        let folded = try runBinary(bpfan, ["offwaketime", "-f", "-K", "-t", "\(tid)", path])
        #expect(folded.status == 0, "\(folded.stderr)")
        var pipeWoken: UInt64 = 0, total: UInt64 = 0
        for line in folded.stdout.split(separator: "\n") {
            let value = try #require(line.split(separator: " ").last.flatMap { UInt64($0) }, "\(line)")
            total += value
            let frames = line.split(separator: " ").dropLast().joined(separator: " ").split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            let split = try #require(frames.firstIndex(of: "--"), "no -- between target and waker: \(line)")
            let target = frames[..<split], waker = frames[(split + 1)...]
            guard waker.contains(where: { $0.hasSuffix("pipe_write") }) else { continue }
            pipeWoken += value
            // The target stack outermost first ends in the scheduler; the read came from the pipe.
            #expect(target.contains { $0.hasSuffix("pipe_read") } && target.last == "__schedule" && target.contains("schedule"), "\(line)")
            // The waker's innermost first: the wait queue's wake function, up to the write syscall.
            let wake = waker.firstIndex { $0.hasPrefix("__wake_up") }, write = waker.firstIndex { $0.hasSuffix("pipe_write") }
            #expect(wake != nil && write != nil && wake! < write! && waker.contains("ksys_write"), "\(line)")
            #expect(!waker.contains("try_to_wake_up") && !waker.contains { $0.hasPrefix("__traceiter_") || $0.hasPrefix("bpf_") }, "probe frames left: \(line)")
            #expect(waker.last.map { !$0.isEmpty } == true, "the waker's name ends the line: \(line)")
        }
        // Each read blocks from the previous byte to the next write, 2 ms later at least (the
        // first read waits the 50 ms before the writes start; usleep only oversleeps).
        #expect(pipeWoken >= UInt64(writes - 1) * 1_900, "pipe-woken \(pipeWoken) us of \(folded.stdout)")
        // The same spans as offcputime's: its total over this thread is offwaketime's.
        let off = try runBinary(bpfan, ["offcputime", "-f", "-K", "-t", "\(tid)", path])
        let offTotal = off.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last.flatMap { UInt64($0) } }.reduce(0, +)
        #expect(total == offTotal && total >= pipeWoken, "offwaketime \(total) us, offcputime \(offTotal) us")

        // bcc's multi-line form: the waker line, its stack outermost first, the separator, the
        // target's stack innermost first, the target line and the time.
        let lines = try runBinary(bpfan, ["offwaketime", "-t", "\(tid)", path])
        #expect(lines.stdout.hasPrefix("Tracing blocked time (us) by user + kernel off-CPU and waker stack... Hit Ctrl-C to end.\n\n    waker:           "), "\(lines.stdout)")
        #expect(lines.stdout.contains("__wake_up_common\n    autoremove_wake_function\n    --               --\n    __schedule\n    schedule\n"), "\(lines.stdout)")
        #expect(lines.stdout.contains(" \(tid)\n        ") && lines.stdout.contains("\n    target:          "), "target line with the tid, then the time: \(lines.stdout)")
        let json = try runBinary(bpfan, ["offwaketime", "--json", "-t", "\(tid)", path])
        #expect(json.stdout.contains("\"waker\":{\"labels\":{"), "\(json.stdout.prefix(400))")
    }
}
