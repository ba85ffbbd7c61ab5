import ArgumentParser
import TraceAnalysis

/// bpftrace's syscount.bt (0.17): `@syscall[args->id]` and `@process[comm]` counted at
/// sys_enter, the ten largest of each printed in END, then the cleared maps at exit. Syscalls
/// that never return (exit_group, a successful execve) have no row in the recording and are not
/// counted; neither are unpaired rows (exits whose sys_enter came before the recording).
public struct SyscountBt: RecordingTool {
    public static let toolName = "syscount.bt"
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
        let sources = ProcessTracker.sources + [ScanSource("syscall", ["ts", "tid", "id", "unpaired"])]
        try rec.scanMerged(sources) { row in
            guard row.source == sources.count - 1 else {
                tracker.apply(source: row.source, batch: row.batch, row: row.row)
                return
            }
            // Counted at sys_enter: a row whose enter was not seen is not counted.
            if row.int(3) != 0 { return }
            bySyscall[row.int(2), default: 0] += 1
            byComm[tracker.comm(row.int(1)) ?? "", default: 0] += 1
        }
        let syscalls = bySyscall.map { (key: Optional(String($0.key)), value: $0.value) }
        let comms = byComm.map { (key: Optional($0.key), value: $0.value) }
        if common.json {
            let rows: [[JSONText]] = syscalls.map { [.string("@syscall"), .string($0.key!), .int($0.value)] }
                + comms.map { [.string("@process"), .string($0.key!), .int($0.value)] }
            out.write(JSONShapes.table(tool: Self.toolName, columns: ["map", "key", "count"], rows: rows))
            return
        }
        out.line("Attaching 3 probes...")
        out.line("Counting syscalls... Hit Ctrl-C to end.")
        out.write("\nTop 10 syscalls IDs:\n")
        out.write(syscalls.isEmpty ? "\n" : BpftracePrinter.valueMap(name: "@syscall", entries: syscalls.sorted { Int64($0.key ?? "") ?? 0 < Int64($1.key ?? "") ?? 0 }, top: 10))
        out.write("\nTop 10 processes:\n")
        out.write(comms.isEmpty ? "\n" : BpftracePrinter.valueMap(name: "@process", entries: comms.sorted { ($0.key ?? "") < ($1.key ?? "") }, top: 10))
        out.write("\n\n\n\n")  // exit: blank lines, then @process and @syscall, both cleared in END
    }
}
