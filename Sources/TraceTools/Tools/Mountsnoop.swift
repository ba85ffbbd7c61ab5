import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools mountsnoop (0.26): every mount(2) and umount2(2) as the call and its result,
/// with the caller's mount namespace; -d one field per line. The live tool reads the same
/// syscalls' tracepoints; the syscalls family keeps each call's arguments in syscall_detail.
public struct Mountsnoop: RecordingTool {
    public static let toolName = "mountsnoop"
    public static let notes = "libbpf-tools 0.26 output; strings as the syscalls family keeps them (paths up to 255 characters, the options string to the end of its 128-byte column: a longer one is cut, said on stderr; live: 4095 and 511)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace mount and umount syscalls.",
        discussion: """
        Record with: bpfrec record --families syscalls -o run.trc

        EXAMPLES:
            bpfan mountsnoop run.trc          # trace mount and umount syscalls
            bpfan mountsnoop -d run.trc       # detailed output (one line per value)
            bpfan mountsnoop -p 1216 run.trc  # only trace PID 1216
        """)

    @Flag(name: [.customShort("d"), .customLong("detailed")], help: "Output result in detail mode")
    var detailed = false
    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int64?
    @Flag(name: [.customShort("t"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose debug output (no effect: there is no BPF program to debug)")
    var verbose = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["syscall_detail"] }

    static let mount: Int64 = 165, umount2: Int64 = 166
    /// The live tool's field sizes: FS_NAME_LEN 8, and the column the recorder cuts options at.
    static let fsNameLength = 8, dataColumnBytes = 128

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let columns = rec.columnNames(of: "syscall_detail")
        guard columns.contains("mnt_ns") else {
            throw AnalysisError("\(rec.path): its syscall_detail rows have no mount namespace or mount options (made by an older bpfrec); record again with bpfrec record --families syscalls")
        }
        let layout = Self.layout(detailed: detailed, timestamp: timestamp)
        if !detailed { out.header(layout) }
        var cutOptions = 0
        try rec.scanMerged([ScanSource(SyscallDetailRow.self, reading: [\.pid, \.tid, \.id, \.ret, \.duration, \.arg1, \.arg3, \.comm, \.path, \.path2, \.data, \.mntNs])]) { m in
            let row = SyscallDetailRow(m)
            guard row.id == Self.mount || row.id == Self.umount2 else { return }
            if let pid, pid != 0, row.pid != pid { return }
            let isMount = row.id == Self.mount
            // mount: the filesystem type, a NUL, the options; read as the live tool's 8-byte fs field.
            var fs = "", options = ""
            if isMount {
                let data = row.data
                let split = data.firstIndex(of: 0) ?? data.count
                fs = String(decoding: data[..<split].prefix(Self.fsNameLength - 1), as: UTF8.self)
                if split < data.count { options = String(decoding: data[(split + 1)...], as: UTF8.self) }
                if data.count == Self.dataColumnBytes { cutOptions += 1 }
            }
            let flags = Self.flagNames(UInt64(bitPattern: isMount ? row.arg3 : row.arg1))
            let ret = Int32(truncatingIfNeeded: row.ret), result = Self.errnoName(ret)
            let source = isMount ? row.path : "", target = isMount ? row.path2 : row.path
            let call = isMount
                ? "mount(\"\(source)\", \"\(target)\", \"\(fs)\", \(flags), \"\(options)\") = \(result)"
                : "umount(\"\(target)\", \(flags)) = \(result)"
            let values: [String: Value] = [
                "time": .time(row.ts &+ row.duration), "comm": .string(row.comm), "pid": .int(row.pid), "tid": .int(row.tid),
                "mnt_ns": .int(row.mntNs), "call": .string(call), "op": .string(isMount ? "MOUNT" : "UMOUNT"),
                "result": .string(result), "latency_us": .int(row.duration / 1000), "fs": .string(fs),
                "source": .string(source), "target": .string(target), "data": .string(options),
                "flags": .string(flags), "ret": .int(Int64(ret)),
            ]
            out.row(layout, layout.columns.map { values[$0.name]! })
        }
        if cutOptions > 0 {
            out.warn("bpfan mountsnoop: \(cutOptions) mount call(s) had options filling the recorded \(Self.dataColumnBytes) bytes: they may be cut (the live tool keeps 511 characters)")
        }
    }

    /// handle_event(): "%-16s %-7d %-7d %-11u %s\n", after "%H:%M:%S " with -t; with -d one
    /// "NAME:   value" line per field (indented by four spaces after the time's line), then a
    /// blank line, and no header.
    static func layout(detailed: Bool, timestamp: Bool) -> RowLayout {
        var b = RowLayout.Builder(.event, "call", header: !detailed)
        b.add("time", .hms, header: "%-8s ", "TIME", row: detailed ? "%s \n" : "%s ", shown: timestamp)
        if !detailed {
            b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
            b.add("pid", header: "%-7s ", "PID", row: "%-7d ")
            b.add("tid", header: "%-7s ", "TID", row: "%-7d ")
            b.add("mnt_ns", header: "%-11s ", "MNT_NS", row: "%-11u ")
            b.add("call", header: "%s", "CALL", row: "%s", inJSON: false)
            for name in ["op", "result", "latency_us", "fs", "source", "target", "data", "flags", "ret"] { b.json(name) }
            b.literal(header: "\n", row: "\n")
            return b.layout
        }
        let indent = timestamp ? "    " : ""
        for (name, label, conversion) in [("pid", "PID:    ", "%d"), ("tid", "TID:    ", "%d"), ("comm", "COMM:   ", "%s"), ("op", "OP:     ", "%s"),
                                          ("result", "RET:    ", "%s"), ("latency_us", "LAT:    ", "%dus"), ("mnt_ns", "MNT_NS: ", "%u"),
                                          ("fs", "FS:     ", "%s"), ("source", "SOURCE: ", "%s"), ("target", "TARGET: ", "%s"),
                                          ("data", "DATA:   ", "%s"), ("flags", "FLAGS:  ", "%s")] {
            b.add(name, row: indent + label + conversion + "\n")
        }
        b.json("ret")
        b.literal(header: "", row: "\n")
        return b.layout
    }

    static let msNames = ["MS_RDONLY", "MS_NOSUID", "MS_NODEV", "MS_NOEXEC", "MS_SYNCHRONOUS", "MS_REMOUNT", "MS_MANDLOCK", "MS_DIRSYNC",
                          "MS_NOSYMFOLLOW", "MS_NOATIME", "MS_NODIRATIME", "MS_BIND", "MS_MOVE", "MS_REC", "MS_VERBOSE", "MS_SILENT",
                          "MS_POSIXACL", "MS_UNBINDABLE", "MS_PRIVATE", "MS_SLAVE", "MS_SHARED", "MS_RELATIME", "MS_KERNMOUNT", "MS_I_VERSION",
                          "MS_STRICTATIME", "MS_LAZYTIME", "MS_SUBMOUNT", "MS_NOREMOTELOCK", "MS_NOSEC", "MS_BORN", "MS_ACTIVE", "MS_NOUSER"]

    /// strflags(): "0x0", or the MS_ names of bits 0-31 joined by " | " (umount's flags too, as
    /// the live tool names them). Its `(1 << i) & flags` is an int shift: bit 31 sign-extends.
    static func flagNames(_ flags: UInt64) -> String {
        if flags == 0 { return "0x0" }
        return msNames.enumerated().filter { i, _ in
            let mask = i == 31 ? UInt64(bitPattern: Int64(Int32.min)) : UInt64(1) << UInt64(i)
            return flags & mask != 0
        }.map(\.element).joined(separator: " | ")
    }

    /// strerrno(): "0", "-ENAME" (strerrorname_np), or the number.
    static func errnoName(_ ret: Int32) -> String {
        if ret == 0 { return "0" }
        if let name = ErrnoNames.byName.first(where: { $0.value == Int(-Int64(ret)) })?.key { return "-" + name }
        return "\(ret)"
    }
}
