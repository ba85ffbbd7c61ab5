import ArgumentParser
import TraceAnalysis

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
        if !common.json {
            out.line("Attaching 3 probes...")
            out.line("Tracing kill() signals... Hit Ctrl-C to end.")
            out.line(left("TIME", 9) + " " + left("PID", 6) + " " + left("COMM", 16) + " " + left("SIG", 4) + " " + left("TPID", 6) + " RESULT")
        }
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
            if common.json {
                out.write(JSONShapes.event(tool: Self.toolName, [("time", .string(rec.hms(e.exitTime))), ("pid", .int(e.pid)), ("comm", .string(e.comm)),
                                                                 ("sig", .int(sig)), ("tpid", .int(tpid)), ("result", .int(e.ret))]))
            } else {
                out.line(rec.hms(e.exitTime) + "  " + left(e.pid, 6) + " " + left(e.comm, 16) + " " + left(sig, 4) + " " + left(tpid, 6) + " " + String(e.ret))
            }
        }
        if common.json { return }
        out.write("\n\n")
        for map in [("@tpid", leftTpid), ("@tsig", leftSig)] {
            let entries = map.1.sorted { $0.key < $1.key }.map { (key: Optional(String($0.key)), value: $0.value) }
            out.write(entries.isEmpty ? "\n" : BpftracePrinter.valueMap(name: map.0, entries: entries))
        }
    }
}
