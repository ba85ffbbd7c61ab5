import Foundation
import Glibc
import Testing
import TraceFormat

/// Syscalls the enter/exit pairing used to lose or leave incomplete.
extension RecorderTests {
    /// A path in a page that is not yet mapped into the caller's page tables cannot be read at
    /// sys_enter (BPF reads of user memory never fault pages in); the kernel faults it in while
    /// it copies the path, and the recorder reads it again at sys_exit. Provoked with a
    /// MAP_PRIVATE mapping of a file holding the path, never touched before the open.
    @Test func pathInUntouchedPageIsReadAtExit() throws {
        let target = "/tmp/bpfrec-test-\(getpid())-untouched-page-target"
        let holder = "/tmp/bpfrec-test-\(getpid())-untouched-page-holder"
        defer { unlink(target); unlink(holder) }
        #expect(FileManager.default.createFile(atPath: target, contents: Data("x".utf8)))
        // Page-cache contents only: the test process never maps or reads this file's page before
        // the open below uses it.
        #expect(FileManager.default.createFile(atPath: holder, contents: Data(target.utf8 + [0])))
        let path = Harness.tempPath("untouched")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "syscalls", "--flush-interval", "200"])
        #expect(rec.waitReady())

        let hfd = open(holder, O_RDONLY)
        #expect(hfd >= 0)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let map = mmap(nil, page, PROT_READ, MAP_PRIVATE, hfd, 0), map != MAP_FAILED else {
            Issue.record("mmap: \(String(cString: strerror(errno)))")
            _ = rec.stop()
            return
        }
        close(hfd)
        let tid = Int64(gettidNow())
        // glibc's open is the openat syscall; the path pointer is the untouched mapping.
        let fd = open(map.assumingMemoryBound(to: CChar.self), O_RDONLY)
        #expect(fd >= 0)
        close(fd)
        munmap(map, page)
        usleep(400_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")

        let file = try TraceFile(path: path)
        let details = try Rows(file, "syscall_detail")
        let mine = details.rows(where: "tid", is: tid).filter { details.int("id", $0) == 257 && details.int("ret", $0) == Int64(fd) }
        #expect(!mine.isEmpty, "no openat detail row of tid \(tid)")
        let paths = mine.map { details.string("path", $0) }
        #expect(paths.contains(target), "openat paths of tid \(tid): \(paths)")
    }

    /// A syscall already blocked when recording starts returns after it: its sys_exit has no
    /// sys_enter to pair with, and is recorded as an unpaired row (the live syscount counts it
    /// at sys_exit).
    @Test func syscallInFlightAtStartIsAnUnpairedRow() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let readerTid = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        readerTid.initialize(to: 0)
        defer { readerTid.deallocate() }
        let done = DispatchSemaphore(value: 0)
        let readFD = fds[0]
        let tidBox = UnsafeSendable(readerTid)
        let thread = Thread {
            tidBox.value.pointee = gettidNow()
            var byte: UInt8 = 0
            _ = read(readFD, &byte, 1)  // blocks until after the recorder is attached
            done.signal()
        }
        thread.start()
        while readerTid.pointee == 0 { usleep(1000) }
        usleep(100_000)  // let it reach read()

        let path = Harness.tempPath("inflight")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "syscalls", "--flush-interval", "200"])
        #expect(rec.waitReady())
        var one: UInt8 = 42
        #expect(write(fds[1], &one, 1) == 1)
        done.wait()
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")

        let file = try TraceFile(path: path)
        let calls = try Rows(file, "syscall")
        let tid = Int64(readerTid.pointee)
        let reads = calls.rows(where: "tid", is: tid).filter { calls.int("id", $0) == 0 }
        #expect(reads.count == 1, "read rows of tid \(tid): \(reads.count)")
        if let r = reads.first {
            #expect(calls.int("unpaired", r) == 1)
            #expect(calls.int("ret", r) == 1)
            #expect(calls.int("duration", r) == 0)
            #expect(calls.int("pid", r) == Int64(getpid()))
        }
        // The write that woke it was entered and exited while recording: an ordinary paired row.
        let writes = calls.rows(where: "tid", is: Int64(gettidNow())).filter { calls.int("id", $0) == 1 && calls.int("ret", $0) == 1 }
        #expect(!writes.isEmpty && writes.allSatisfy { calls.int("unpaired", $0) == 0 })
    }
}

/// Hands a pointer to a thread closure under Swift 6's sendability checking.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
