import ArgumentParser
import TraceAnalysis
import TraceReport

/// bpftrace's killsnoop.bt (0.17): kill() rows at return. Its exit filter `/@tpid[tid]/` skips
/// calls whose target pid is 0, and their map entries stay to be printed at exit.
public struct KillsnoopBt: RecordingTool {
    public static let toolName = "killsnoop.bt"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace signals issued by the kill() syscall (bpftrace killsnoop.bt output).")

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["syscall_detail"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let rows = try rec.syscallDetails(ids: rec.ids(Syscalls.kill))
        out.text("Attaching 3 probes...\nTracing kill() signals... Hit Ctrl-C to end.\n")
        // killsnoop.bt: time("%H:%M:%S  ") then printf("%-6d %-16s %-4d %-6d %d\n", ...).
        var b = RowLayout.Builder(.event, "kill")
        b.add("time", .hms, header: "%-9s ", "TIME", row: "%s  ")
        b.add("pid", header: "%-6s ", "PID", row: "%-6d ")
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.add("sig", header: "%-4s ", "SIG", row: "%-4d ")
        b.add("tpid", header: "%-6s ", "TPID", row: "%-6d ")
        b.add("result", header: "%s", "RESULT", row: "%d")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        // Entries left in @tpid/@tsig by calls the exit probe skipped, by thread (last one wins,
        // a later printed call of the thread deletes them).
        var leftTpid: [Int64: Int64] = [:], leftSig: [Int64: Int64] = [:]
        for e in rows {
            let tpid = cInt(e.args[0]), sig = cInt(e.args[1])
            if tpid == 0 {
                leftTpid[e.tid] = tpid
                leftSig[e.tid] = sig
                continue
            }
            leftTpid[e.tid] = nil
            leftSig[e.tid] = nil
            out.row(layout, [.time(e.exitTime), .int(e.pid), .string(e.comm), .int(sig), .int(tpid), .int(e.ret)])
        }
        out.text("\n\n")
        for map in [("@tpid", leftTpid), ("@tsig", leftSig)] {
            out.valueMap(name: map.0, entries: map.1.sorted { $0.key < $1.key }.map { (key: Optional(String($0.key)), value: $0.value) })
        }
    }
}
