import Foundation
import Glibc

/// Interrupts of known causes, in the test process: synchronous direct writes to a file on the
/// root disk (one virtio-blk request, completion interrupt and BLOCK softirq each, plus the
/// flushes O_DSYNC asks for), UDP datagrams over loopback (one NET_RX softirq each in the
/// sender's context, platform.md's W5) and 1 ms sleeps (timer and hrtimer softirqs).
enum IrqWorkload {
    static let diskWrites = 200
    static let datagrams = 20_000
    static let sleeps = 100

    static func run(dir: String) throws {
        try writeDirect(path: "\(dir)/disk.img")
        udp()
        for _ in 0..<sleeps { usleep(1000) }
    }

    /// O_DIRECT, which Glibc's module leaves out (_GNU_SOURCE): x86-64's value.
    private static let oDirect: Int32 = 0o40000

    private static func writeDirect(path: String) throws {
        let fd = open(path, O_CREAT | O_WRONLY | oDirect | O_DSYNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpawnedProcess.SpawnError(message: "open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd); unlink(path) }
        var buf: UnsafeMutableRawPointer?
        guard posix_memalign(&buf, 4096, 4096) == 0, let buf else { throw SpawnedProcess.SpawnError(message: "posix_memalign failed") }
        defer { free(buf) }
        memset(buf, 0x5a, 4096)
        for i in 0..<diskWrites where pwrite(fd, buf, 4096, off_t(i) * 4096) != 4096 {
            throw SpawnedProcess.SpawnError(message: "pwrite \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func udp() {
        let rx = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0), tx = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(rx); close(tx) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &a) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { s in
                _ = bind(rx, s, len)
                _ = getsockname(rx, s, &len)
            }
        }
        var payload = [UInt8](repeating: 0x41, count: 64)
        var sink = [UInt8](repeating: 0, count: 64)
        for _ in 0..<datagrams {
            _ = withUnsafePointer(to: &a) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(tx, &payload, payload.count, 0, $0, len) }
            }
            _ = recv(rx, &sink, sink.count, Int32(MSG_DONTWAIT))
        }
    }
}
