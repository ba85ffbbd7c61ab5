import ArgumentParser
import TraceAnalysis
import TraceReport

/// bcc syncsnoop: sync(), fsync(), fdatasync(), msync(), sync_file_range() and syncfs() calls,
/// printed with the monotonic clock in seconds, as the kprobes on the syscalls' entry stamp them
/// (bpf_ktime_get_ns() / 1000, printed / 1e6).
public struct Syncsnoop: RecordingTool {
    public static let toolName = "syncsnoop"
    public static let notes = "a call still running when the recording stopped has no row (recorded at sys_exit)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace sync() and related syscalls.",
        discussion: """
        EXAMPLES:
            bpfan syncsnoop run.trc    # every sync-family call of the recording
        """)

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["syscall_detail"] }

    /// sys_names, in the live tool's order.
    static let calls = [Syscalls.sync, Syscalls.fsync, Syscalls.fdatasync, Syscalls.msync, Syscalls.syncFileRange, Syscalls.syncfs]

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        var name: [Int64: String] = [:]
        for c in Self.calls { for id in rec.ids(c) { name[id] = c.0[0] } }
        // print("%-18s %-16s %-16s" % ("TIME(s)", "COMM", "CALL")), then per event
        // "%-18.9f %-16s" % (ts / 1e6, comm) and " %-16s" % sys_names[sys].
        var b = RowLayout.Builder(.event, "sync")
        b.json("time")
        b.add("time_s", header: "%-18s ", "TIME(s)", row: "%-18.9f ", inJSON: false)
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.add("call", header: "%-16s\n", "CALL", row: "%-16s\n")
        b.json("pid")
        let layout = b.layout
        out.header(layout)
        for e in try rec.syscallDetails(ids: Set(name.keys)).sorted(by: { ($0.ts, $0.tid) < ($1.ts, $1.tid) }) {
            out.row(layout, [.time(e.ts), .double(Double(e.ts / 1000) / 1_000_000), .string(e.comm), .string(name[e.id] ?? "N/A"), .int(e.pid)])
        }
    }
}
