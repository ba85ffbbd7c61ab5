import Foundation
import Glibc
import TraceFormat

/// The process_snapshot table: every thread alive at start, read from /proc.
enum ProcessSnapshot {
    struct Thread {
        var pid: UInt32, tid: UInt32, ppid: UInt32, uid: UInt32
        var startTime: UInt64
        var comm: String
        var cmdline: [UInt8]
        var exe: String
    }

    static func take() -> [Thread] {
        let ticks = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        // /proc/PID/stat starttime counts from boot (CLOCK_BOOTTIME); events use CLOCK_MONOTONIC.
        let suspended = HostMetadata.clock(CLOCK_BOOTTIME) - HostMetadata.clock(CLOCK_MONOTONIC)
        var out: [Thread] = []
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        for p in pids {
            guard let pid = UInt32(p) else { continue }
            let cmdline = Array((readFileBytes("/proc/\(pid)/cmdline") ?? []).prefix(4096))
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? ""
            let uid = uidOf(pid)
            guard let tids = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { continue }
            for t in tids {
                guard let tid = UInt32(t), let stat = readFileText("/proc/\(pid)/task/\(tid)/stat") else { continue }
                // comm may hold spaces and parens: fields resume after the last ')'.
                guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
                let comm = String(stat[stat.index(after: open)..<close])
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                // fields[0] = state (field 3), fields[1] = ppid (4), fields[19] = starttime (22).
                guard fields.count > 19, let ppid = UInt32(fields[1]), let start = UInt64(fields[19]) else { continue }
                let boot = Int64(start / ticks * 1_000_000_000 + start % ticks * 1_000_000_000 / ticks)
                out.append(Thread(pid: pid, tid: tid, ppid: ppid, uid: uid, startTime: UInt64(max(0, boot - suspended)),
                                  comm: comm, cmdline: cmdline, exe: exe))
            }
        }
        return out
    }

    /// The tgids now alive that descend from `roots` (children, grandchildren...), from each
    /// process's parent in /proc/PID/stat.
    static func descendants(of roots: [UInt32]) -> [UInt32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var children: [UInt32: [UInt32]] = [:]
        for p in names {
            guard let pid = UInt32(p), let stat = readFileText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, let ppid = UInt32(fields[1]) else { continue }
            children[ppid, default: []].append(pid)
        }
        var out: [UInt32] = []
        var seen = Set(roots)
        var todo = roots
        while let p = todo.popLast() {
            for c in children[p] ?? [] where seen.insert(c).inserted {
                out.append(c)
                todo.append(c)
            }
        }
        return out
    }

    private static func uidOf(_ pid: UInt32) -> UInt32 {
        guard let status = readFileText("/proc/\(pid)/status") else { return UInt32.max }
        for line in status.split(separator: "\n") where line.hasPrefix("Uid:") {
            return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { UInt32($0) } ?? UInt32.max
        }
        return UInt32.max
    }

    static func rows(_ threads: [Thread], at ts: UInt64, into buffer: inout TableBuffer) {
        for t in threads {
            buffer.append(row: [.u64(ts), .int(Int64(t.pid)), .int(Int64(t.tid)), .int(Int64(t.ppid)), .int(Int64(t.uid)),
                                .u64(t.startTime), .string(t.comm), .bytes(t.cmdline), .string(t.exe)])
        }
    }
}
