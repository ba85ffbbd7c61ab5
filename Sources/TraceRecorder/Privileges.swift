import Foundation
import Glibc

/// Least privilege: CAP_BPF (load programs, create maps) and CAP_PERFMON (attach tracepoints,
/// sample all CPUs, read kernel addresses) — or CAP_SYS_ADMIN, which implies both.
enum Privileges {
    static let capSysAdmin = 21
    static let capPerfmon = 38
    static let capBPF = 39

    /// Effective capabilities from /proc/self/status.
    static func effective() -> UInt64 {
        guard let status = readFileText("/proc/self/status") else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces)
            return UInt64(hex, radix: 16) ?? 0
        }
        return 0
    }

    /// Names of the capabilities the recorder lacks (empty when it may run).
    static func missing() -> [String] {
        let caps = effective()
        func has(_ c: Int) -> Bool { caps & (1 << UInt64(c)) != 0 }
        if has(capSysAdmin) { return [] }
        var out: [String] = []
        if !has(capBPF) { out.append("CAP_BPF") }
        if !has(capPerfmon) { out.append("CAP_PERFMON") }
        return out
    }
}
