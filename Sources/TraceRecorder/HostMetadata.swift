import Foundation
import Glibc
import TraceFormat

/// Clock readings and host facts for the recording's metadata.
enum HostMetadata {
    static func clock(_ id: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(id, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// CLOCK_MONOTONIC ns: the clock of bpf_ktime_get_ns, so event and recorder times compare.
    static func monotonic() -> UInt64 { UInt64(clock(CLOCK_MONOTONIC)) }

    static func anchor() -> ClockAnchors.Anchor {
        // Realtime read between two monotonic reads, paired with their midpoint.
        let m0 = clock(CLOCK_MONOTONIC)
        let r = clock(CLOCK_REALTIME)
        let b = clock(CLOCK_BOOTTIME)
        let m1 = clock(CLOCK_MONOTONIC)
        return ClockAnchors.Anchor(monotonic: m0 + (m1 - m0) / 2, realtime: r, boottime: b)
    }

    static func host() -> HostInfo {
        var u = utsname()
        uname(&u)
        func field<T>(_ v: T) -> String {
            withUnsafeBytes(of: v) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let bootID = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let memory = meminfoKiB(["MemTotal", "SwapTotal"])
        func pages(_ kib: Int64?) -> Int64? { kib.map { $0 * 1024 / Int64(max(pageSize, 1)) } }
        return HostInfo(hostname: field(u.nodename), kernelRelease: field(u.release), machine: field(u.machine),
                        cpuCount: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), pageSize: pageSize, bootID: bootID,
                        memoryPages: pages(memory["MemTotal"]), swapPages: pages(memory["SwapTotal"]))
    }

    /// `Name:   12345 kB` lines of /proc/meminfo, by name.
    static func meminfoKiB(_ names: Set<String>) -> [String: Int64] {
        var out: [String: Int64] = [:]
        let text = String(decoding: readFileBytes("/proc/meminfo", limit: 1 << 16) ?? [], as: UTF8.self)
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 3, parts[2] == "kB", parts[0].hasSuffix(":") else { continue }
            let name = String(parts[0].dropLast())
            if names.contains(name), let v = Int64(parts[1]) { out[name] = v }
        }
        return out
    }

    static func utcOffsetSeconds() -> Int { TimeZone.current.secondsFromGMT() }
}

/// Reads a whole (small, /proc or /sys) file; nil when it cannot be read.
func readFileBytes(_ path: String, limit: Int = 64 << 20) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while out.count < limit {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; return out.isEmpty ? nil : out }
        if n == 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

func readFileText(_ path: String) -> String? {
    readFileBytes(path).map { String(decoding: $0, as: UTF8.self) }
}
