import Foundation
import Glibc

/// Classic `tracepoint/` programs (proc's execve pair) attach by a tracepoint id read from
/// tracefs. A fresh boot may not have it mounted: mount it (needs CAP_SYS_ADMIN) or explain.
enum Tracefs {
    static let paths = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]

    static var available: Bool {
        paths.contains { FileManager.default.fileExists(atPath: $0 + "/events") }
    }

    /// True when tracefs is (or could be made) readable. Without it (not mounted, or root-only
    /// and we run with capabilities alone) the proc family uses its raw_syscalls fallback.
    static func ensureMounted() -> Bool {
        if available { return true }
        return mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) == 0 && available
    }
}
