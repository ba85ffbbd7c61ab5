import Foundation
import Glibc

/// Classic `tracepoint/` programs (proc's execve pair) attach by a tracepoint id read from
/// tracefs. A fresh boot may not have it mounted: mount it (needs CAP_SYS_ADMIN) or explain.
enum Tracefs {
    static let paths = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]

    static var available: Bool {
        paths.contains { FileManager.default.fileExists(atPath: $0 + "/events") }
    }

    /// Returns nil when tracefs is usable, else why not.
    static func ensureMounted() -> String? {
        if available { return nil }
        if mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) == 0, available { return nil }
        return "tracefs is not mounted and cannot be (\(errnoText())): run `mount -t tracefs tracefs /sys/kernel/tracing` as root"
    }
}
