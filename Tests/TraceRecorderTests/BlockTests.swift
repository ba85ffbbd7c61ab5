import Foundation
import Glibc
import Testing
import TraceFormat

/// O_DIRECT reads and writes of known sizes on a loop device made for the test: each one is
/// one request whose issue and completion are recorded with its device, sector and size.
extension RecorderTests {
    @Test(.enabled(if: ["/usr/sbin/losetup", "/sbin/losetup"].contains { FileManager.default.isExecutableFile(atPath: $0) }, "needs losetup (util-linux's mount package; make test installs it)"))
    func blockRequestsOnLoopDevice() throws {
        let image = "/tmp/bpfrec-loop-\(getpid()).img"
        let fd0 = open(image, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        #expect(fd0 >= 0)
        ftruncate(fd0, 16 << 20)
        close(fd0)
        defer { unlink(image) }
        guard let device = run("losetup", ["-f", "--show", image])?.trimmingCharacters(in: .whitespacesAndNewlines), device.hasPrefix("/dev/loop") else {
            Issue.record("losetup failed")
            return
        }
        defer { _ = run("losetup", ["-d", device]) }
        _ = run("udevadm", ["settle"])
        var st = stat()
        #expect(stat(device, &st) == 0)
        // glibc's dev_t split (gnu_dev_major/minor are macros Swift cannot import), re-joined the
        // kernel's way (major << 20 | minor), as the tracepoints report it.
        let rdev = UInt64(st.st_rdev)
        let maj = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfff)
        let mnr = (rdev & 0xff) | ((rdev >> 12) & ~0xff)
        let dev = Int64(maj << 20 | mnr)

        let path = Harness.tempPath("block")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "block", "--flush-interval", "200"])
        #expect(rec.waitReady())

        let ops: [(write: Bool, offset: Int, size: Int)] = [
            (true, 1 << 20, 4096), (true, 3 << 20, 8192), (true, 5 << 20, 65536),
            (false, 1 << 20, 4096), (false, 3 << 20, 8192), (false, 5 << 20, 65536),
        ]
        let fd = open(device, O_RDWR | oDirect | O_CLOEXEC)
        #expect(fd >= 0, "open \(device) O_DIRECT: \(errno)")
        var buf: UnsafeMutableRawPointer?
        posix_memalign(&buf, 4096, 65536)
        defer { free(buf) }
        guard let buf else { Issue.record("posix_memalign"); return }
        memset(buf, 0x5a, 65536)
        for op in ops {
            let n = op.write ? pwrite(fd, buf, op.size, off_t(op.offset)) : pread(fd, buf, op.size, off_t(op.offset))
            #expect(n == op.size)
        }
        close(fd)
        usleep(300_000)
        let (status, err) = rec.stop()
        #expect(status == 0, "\(err)")

        let file = try TraceFile(path: path)
        let issues = try Rows(file, "block_rq_issue")
        let completes = try Rows(file, "block_rq_complete")
        for op in ops {
            let letter = op.write ? "W" : "R"
            func matching(_ t: Rows) -> [Int] {
                t.rows(where: "dev", is: dev).filter {
                    t.int("sector", $0) == Int64(op.offset / 512) && t.int("nr_bytes", $0) == Int64(op.size) && t.string("rwbs", $0).hasPrefix(letter)
                }
            }
            let i = matching(issues), c = matching(completes)
            #expect(i.count == 1, "\(op): \(i.count) issues")
            #expect(c.count == 1, "\(op): \(c.count) completions")
            if let i = i.first, let c = c.first {
                #expect(issues.int("rq", i) == completes.int("rq", c))
                #expect(completes.int("error", c) == 0)
                #expect(completes.int("ts", c) >= issues.int("ts", i))
                #expect(issues.int("cmd_flags", i) & 0xff == (op.write ? 1 : 0))
            }
        }
        // I/O accounting events, when the device has them, carry the submitter.
        let starts = try Rows(file, "block_io_start")
        for r in starts.rows(where: "dev", is: dev) where ops.contains(where: { starts.int("sector", r) == Int64($0.offset / 512) }) {
            #expect(starts.int("pid", r) == Int64(getpid()))
        }
        #expect(try Rows(file, "lost_events").count == 0)
    }
}

/// O_DIRECT of x86_64 (not exported by Swift's Glibc module).
let oDirect: Int32 = 0o40000

/// Runs a tool from /usr/sbin, /sbin or /usr/bin; its stdout, or nil when it failed.
func run(_ tool: String, _ args: [String]) -> String? {
    guard let exe = ["/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"].map({ $0 + tool }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
}
