import ArgumentParser
import TraceAnalysis
import TraceReport

/// bpftrace's naptime.bt (0.17): nanosleep calls with a non-zero request, printed at
/// sys_enter with the caller's parent (curtask->real_parent: the process tracker's parent
/// at that moment) and the requested seconds. clock_nanosleep is not traced by 0.17.
public struct NaptimeBt: RecordingTool {
    public static let toolName = "naptime.bt"
    public static let notes = "a sleep still running when the recording stopped has no row (the request is recorded at sys_exit); PPID/PCOMM are the parent process, not the forking thread bpftrace's real_parent names"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Show voluntary sleep calls (bpftrace naptime.bt output).")

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["syscall_detail", "process_snapshot"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let nanosleep = rec.ids(Syscalls.nanosleep)
        out.text("Attaching 2 probes...\nTracing sleeps. Hit Ctrl-C to end.\n")
        var b = RowLayout.Builder(.event, "sleep")
        // time("%H:%M:%S ") then printf("%-6d %-16s %-6d %-16s %d.%03d\n", ...).
        b.add("time", .hms, header: "%-8s ", "TIME", row: "%s ")
        b.add("ppid", header: "%-6s ", "PPID", row: "%-6d ")
        b.add("pcomm", header: "%-16s ", "PCOMM", row: "%-16s ")
        b.add("pid", header: "%-6s ", "PID", row: "%-6d ")
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.add("seconds", header: "%s", "SECONDS", row: "%lld.", inJSON: false)
        b.add("millis", row: "%03d", inJSON: false)
        b.json("request")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        var tasks = ProcessTracker()
        let sources = ProcessTracker.sources + [ScanSource(SyscallDetailRow.self, reading: [\.pid, \.tid, \.id, \.comm, \.data])]
        try rec.scanMerged(sources) { m in
            guard m.source == sources.count - 1 else {
                tasks.apply(source: m.source, batch: m.batch, row: m.row)
                return
            }
            let row = SyscallDetailRow(m)
            guard nanosleep.contains(row.id) else { return }
            let data = row.data
            guard data.count >= 16 else { return }
            let sec = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: Int64.self) }
            let nsec = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: Int64.self) }
            // /args->rqtp->tv_sec + args->rqtp->tv_nsec/
            guard sec &+ nsec != 0 else { return }
            let me = tasks.task(row.tid), ppid = me?.ppid ?? 0
            out.row(layout, [.time(row.ts), .int(ppid), .string(tasks.comm(ppid) ?? ""), .int(row.pid), .string(row.comm),
                             .int(sec), .int(Int64(bitPattern: UInt64(bitPattern: nsec) / 1_000_000)), .duration(sec &* 1_000_000_000 &+ nsec)])
        }
    }
}
