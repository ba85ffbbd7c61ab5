import Foundation
import Glibc
import TraceFormat

/// What bcc bpflist shows of a host: per process, its file descriptors that are BPF objects
/// (links `anon_inode:bpf-TYPE`), and the dynamic kprobe/uprobe lines of tracefs. Read by the
/// recorder at the start, before its own programs load, and at the stop, leaving itself out:
/// no BPF is needed, the same /proc walk bpflist makes.
enum BpfObjectSnapshot {
    struct Holder: Equatable { var pid: Int32; var comm: String; var types: [(type: String, count: Int)]
        static func == (a: Holder, b: Holder) -> Bool { a.pid == b.pid && a.comm == b.comm && a.types.elementsEqual(b.types, by: ==) }
    }

    /// Processes with BPF objects, by pid; each one's types in the order of its lowest fd of
    /// each (bpflist counts them walking /proc/PID/fd in directory order, which is fd order).
    static func take(excluding own: Int32 = getpid(), proc: String = "/proc") -> [Holder] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: proc) else { return [] }
        var out: [Holder] = []
        for pid in entries.compactMap(Int32.init).sorted() where pid != own {
            let fdDir = "\(proc)/\(pid)/fd"
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: fdDir) else { continue }
            var types: [(type: String, count: Int)] = []
            for fd in fds.compactMap(Int.init).sorted() {
                guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDir)/\(fd)"), link.hasPrefix("anon_inode:bpf-") else { continue }
                // bpflist's re.match('anon_inode:bpf-([\w-]+)'): the word characters and dashes after it.
                let type = String(link.dropFirst("anon_inode:bpf-".count).prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
                guard !type.isEmpty else { continue }
                if let i = types.firstIndex(where: { $0.type == type }) { types[i].count += 1 } else { types.append((type, 1)) }
            }
            guard !types.isEmpty else { continue }
            let comm = readFileBytes("\(proc)/\(pid)/comm", limit: 64).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "[unknown]"
            out.append(Holder(pid: pid, comm: comm, types: types))
        }
        return out
    }

    /// kprobe_events and uprobe_events lines, where tracefs has them (under debugfs first, as
    /// bpflist reads /sys/kernel/debug/tracing).
    static func probeLines() -> [(kind: String, line: String)] {
        var out: [(kind: String, line: String)] = []
        for kind in ["kprobe", "uprobe"] {
            for base in ["/sys/kernel/debug/tracing", "/sys/kernel/tracing"] {
                guard let bytes = readFileBytes("\(base)/\(kind)_events", limit: 1 << 20) else { continue }
                out += String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { (kind, String($0)) }
                break
            }
        }
        return out
    }

    static func rows(at ts: UInt64, atStop: Bool, scans: inout TableBuffer, objects: inout TableBuffer, probes: inout TableBuffer) {
        let holders = take(), lines = probeLines()
        for h in holders {
            for t in h.types { objects.append(row: [.u64(ts), .int(Int64(h.pid)), .string(h.comm), .string(t.type), .int(Int64(t.count))]) }
        }
        for p in lines { probes.append(row: [.u64(ts), .string(p.kind), .string(p.line)]) }
        scans.append(row: [.u64(ts), .int(atStop ? 1 : 0), .int(Int64(holders.count)), .int(Int64(lines.count))])
    }
}
