import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools vfsstat: calls of vfs_read, vfs_write, vfs_fsync, vfs_open and vfs_create per
/// second, approximated from the syscalls that make them: the recording has syscalls, not
/// kernel function entries.
public struct Vfsstat: RecordingTool {
    public static let toolName = "vfsstat"
    public static let notes = "APPROX from syscalls: READ read/pread64, WRITE write/pwrite64, FSYNC fsync/fdatasync, OPEN successful open*/creat + successful execs, CREATE mknod(at); kernel-internal VFS calls (nfsd, overlayfs, exec's interpreter) are not seen"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Count some VFS calls",
        discussion: """
        The recording holds syscalls, not vfs_* entries, so each column counts the syscalls that \
        reach that function: READ read and pread64, WRITE write and pwrite64 (not on a bad fd), \
        FSYNC fsync and fdatasync, OPEN open, openat, openat2 and creat that succeed plus each \
        exec that succeeds, CREATE mknod and mknodat that succeed (open(O_CREAT) does not call vfs_create). \
        Calls the kernel makes itself (nfsd, overlayfs, the ELF interpreter an exec opens) are \
        not counted. As the live tool, a last interval cut short by the end of the recording is \
        not printed.

        EXAMPLES:
            bpfan vfsstat run.trc        # interval one second
            bpfan vfsstat 5 3 run.trc    # interval five seconds, three output lines
        """)

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose debug output (no effect)")
    var verbose = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, and the live tool's interval and count.", valueName: "recording [interval [count]]"))
    public var positionals: [String] = []

    public init() {}

    public static var numericPositionals: [String] { ["interval", "count"] }
    public var requiredTables: [String] { ["syscall"] }

    static let names = ["READ", "WRITE", "FSYNC", "OPEN", "CREATE"]

    /// None for the shared note: vfsstat prints whole intervals only, and says what it leaves out.
    public func intervals(numbers: [Int]) -> IntervalRequest? { nil }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let interval = numbers.first ?? 1
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: interval, count: numbers.count > 1 ? numbers[1] : nil)
        // Which column a syscall counts in, and whether only its successes do.
        var column: [Int64: (Int, successOnly: Bool)] = [:]
        for id in rec.ids(Syscalls.read, Syscalls.pread64) { column[id] = (0, false) }
        for id in rec.ids(Syscalls.write, Syscalls.pwrite64) { column[id] = (1, false) }
        for id in rec.ids(Syscalls.fsync, Syscalls.fdatasync) { column[id] = (2, false) }
        for id in rec.ids(Syscalls.open, Syscalls.openat, Syscalls.openat2, Syscalls.creat) { column[id] = (3, true) }
        for id in rec.ids(Syscalls.mknod, Syscalls.mknodat) { column[id] = (4, true) }
        var counts = Array(repeating: [UInt64](repeating: 0, count: 5), count: buckets.bucketCount)
        let ebadf: Int64 = -9
        try rec.scanBatches(SyscallRow.self, reading: [\.id, \.ret], filter: ScanFilter(values: ["id": Set(column.keys)])) { b in
            let ts = b[\SyscallRow.ts], id = b[\SyscallRow.id], ret = b[\SyscallRow.ret]
            for r in 0..<b.count {
                guard let (c, successOnly) = column[id[r]], let i = buckets.index(of: ts[r]) else { continue }
                // A bad fd fails in ksys_read before vfs_read; a failed open may not reach vfs_open.
                if successOnly ? ret[r] < 0 : ret[r] == ebadf { continue }
                counts[i][c] += 1
            }
        }
        if rec.missingTables(["process_exec"]).isEmpty {
            // process_exec holds every execve, failures too: a path that does not resolve
            // (a shell's PATH search) fails in the lookup, before vfs_open.
            try rec.scanBatches(ProcessExecRow.self, reading: [\.ts, \.ret]) { b in
                let ts = b[\ProcessExecRow.ts], ret = b[\ProcessExecRow.ret]
                for r in 0..<b.count where ret[r] == 0 { if let i = buckets.index(of: ts[r]) { counts[i][3] += 1 } }
            }
        } else {
            out.warn("bpfan vfsstat: \(rec.path) has no process_exec table (proc family): OPEN leaves out the files execs open")
        }
        // print_header(): "%-8s  " TIME then " %6s/s" per type; print_and_reset_stats():
        // "%-8s: " then " %8llu" of count / interval.
        var b = RowLayout.Builder(.row, "vfs_calls_per_second")
        b.add("time", .hms, header: "%-8s  ", "TIME", row: "%-8s: ")
        for n in Self.names { b.add(n.lowercased(), header: " %6s/s", n, row: " %8llu") }
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        let whole = buckets.wholeCount
        for i in 0..<whole {
            out.row(layout, [.time(buckets.reportTime(of: i))] + counts[i].map { .uint($0 / UInt64(interval)) })
        }
        if whole < counts.count, counts[whole].contains(where: { $0 > 0 }) {
            out.warn("bpfan vfsstat: the last \(buckets.cutSeconds) s, less than an interval, are not printed (the live tool prints each interval when it ends)")
        }
    }
}
