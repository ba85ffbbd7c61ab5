import Foundation
import Glibc
import TraceFormat

/// Metadata read from the kernel at start: symbols, syscall names, block devices, mounts.
enum SystemTables {
    /// Text symbols of /proc/kallsyms (kernel and modules): `address type name [module]` lines.
    /// Addresses read as zero without CAP_SYSLOG-equivalent visibility; then the blob says so
    /// by being all zeros, and kernel stacks cannot be symbolized.
    static func kernelTextSymbols() -> [UInt8] {
        guard let all = readFileBytes("/proc/kallsyms", limit: 256 << 20) else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(all.count / 2)
        var start = 0
        for i in all.indices where all[i] == UInt8(ascii: "\n") {
            // "ffffffff81000000 T _stext": the type letter follows the first space.
            let line = all[start..<i]
            if let sp = line.firstIndex(of: UInt8(ascii: " ")), sp + 1 < i {
                let t = all[sp + 1]
                if t == UInt8(ascii: "t") || t == UInt8(ascii: "T") || t == UInt8(ascii: "w") || t == UInt8(ascii: "W") {
                    out.append(contentsOf: line)
                    out.append(UInt8(ascii: "\n"))
                }
            }
            start = i + 1
        }
        return out
    }

    /// The `[bpf]` lines of /proc/kallsyms (`address t bpf_prog_<tag>_<name>\t[bpf]`, and the
    /// trampolines and dispatchers): the JIT-compiled BPF programs loaded at this moment. The
    /// start-time `kallsyms` snapshot is read before bpfrec loads its own programs, so their
    /// frames (at the top of every stack they take) and those of programs loaded later are
    /// named only from these lines, read again after attaching and at stop.
    static func bpfProgramSymbols() -> [String] {
        guard let all = readFileBytes("/proc/kallsyms", limit: 256 << 20) else { return [] }
        return String(decoding: all, as: UTF8.self).split(separator: "\n").filter { $0.hasSuffix("[bpf]") && !$0.hasPrefix("0000000000000000 ") }.map(String.init)
    }

    static func syscallNamesJSON() -> [UInt8] {
        var dict: [String: String] = [:]
        for (nr, name) in SyscallNamesX86_64.table { dict[String(nr)] = name }
        return Array((try? JSONEncoder.sortedKeys.encode(dict)) ?? Data())
    }

    struct BlockDevice: Codable, Equatable {
        var dev: UInt32
        var name: String
    }

    /// Every block device and partition of /sys/class/block, keyed like the kernel's dev_t
    /// in tracepoints (major << 20 | minor).
    static func blockDevices() -> [BlockDevice] {
        let dir = "/sys/class/block"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var out: [BlockDevice] = []
        for name in names.sorted() {
            guard let text = readFileText("\(dir)/\(name)/dev") else { continue }
            let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":")
            guard parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]) else { continue }
            out.append(BlockDevice(dev: major << 20 | minor, name: name))
        }
        return out
    }

    static func mountInfo() -> [UInt8] { readFileBytes("/proc/self/mountinfo") ?? [] }
}

/// The `[bpf]` kallsyms lines seen so far, each once, in the order first seen (a reused
/// address keeps the name seen first there, as the reader takes the first of equal addresses).
struct BPFSymbolLines {
    private(set) var lines: [String] = []
    private var seen: Set<String> = []

    mutating func add(_ more: [String]) {
        for l in more where seen.insert(l).inserted { lines.append(l) }
    }

    var bytes: [UInt8] { Array(lines.map { $0 + "\n" }.joined().utf8) }
}

extension JSONEncoder {
    static var sortedKeys: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
