import ArgumentParser
import TraceAnalysis
import TraceReport

/// bpftrace's syscount.bt (0.17): `@syscall[args->id]` and `@process[comm]` counted at
/// sys_enter, the ten largest of each printed in END, then the cleared maps at exit. Syscalls
/// that never return (exit_group, a successful execve) have no row in the recording and are not
/// counted; neither are unpaired rows (exits whose sys_enter came before the recording).
public struct SyscountBt: RecordingTool {
    public static let toolName = "syscount.bt"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "exit_group and successful execve are not counted (no exit row)"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Count syscalls by syscall ID and by process name (bpftrace syscount.bt output).")

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["syscall"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        var bySyscall: [Int64: Int64] = [:]
        var byComm: [String: Int64] = [:]
        var tracker = ProcessTracker()
        let sources = ProcessTracker.sources + [ScanSource(SyscallRow.self, reading: [\.tid, \.id, \.unpaired])]
        try rec.scanMerged(sources) { m in
            guard m.source == sources.count - 1 else {
                tracker.apply(source: m.source, batch: m.batch, row: m.row)
                return
            }
            let row = SyscallRow(m)
            // Counted at sys_enter: a row whose enter was not seen is not counted.
            if row.unpaired != 0 { return }
            bySyscall[row.id, default: 0] += 1
            byComm[tracker.comm(row.tid) ?? "", default: 0] += 1
        }
        let syscalls = bySyscall.map { (key: Optional(String($0.key)), value: $0.value) }
        let comms = byComm.map { (key: Optional($0.key), value: $0.value) }
        out.text("Attaching 3 probes...\nCounting syscalls... Hit Ctrl-C to end.\n")
        out.text("\nTop 10 syscalls IDs:\n")
        out.valueMap(name: "@syscall", entries: syscalls.sorted { Int64($0.key ?? "") ?? 0 < Int64($1.key ?? "") ?? 0 }, top: 10)
        out.text("\nTop 10 processes:\n")
        out.valueMap(name: "@process", entries: comms.sorted { ($0.key ?? "") < ($1.key ?? "") }, top: 10)
        out.text("\n\n\n\n")  // exit: blank lines, then @process and @syscall, both cleared in END
    }
}
