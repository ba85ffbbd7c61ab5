import ArgumentParser
import TraceAnalysis
import TraceReport

/// bpftrace's biolatency.bt (0.17): `@usecs = hist((done - start) / 1000)` keyed by request from
/// blk_account_io_start/done, printed at exit after the cleared `@start` map.
public struct BiolatencyBt: RecordingTool {
    public static let toolName = "biolatency.bt"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Block I/O latency as a histogram (bpftrace biolatency.bt output).")

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["block_io_start", "block_io_done"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let sources = [ScanSource("block_io_start", ["ts", "rq"]), ScanSource("block_io_done", ["ts", "rq"])]
        let hist = try rec.scanPaired(sources, initial: { BpftraceHistogram() }, ops: { row, ops in
            if row.source == 0 { ops.set(row.int(1), row.ts) } else { ops.take(row.int(1)) }
        }, matched: { hist, row, m in
            // nsecs and @start are u64: a negative difference wraps, as in the BPF program.
            hist.add(Int64(bitPattern: (UInt64(bitPattern: row.ts) &- UInt64(bitPattern: m.start)) / 1000))
        }, merge: { $0.merge($1) })
        out.text("Attaching 6 probes...\nTracing block device I/O... Hit Ctrl-C to end.\n")
        out.text("\n\n")
        out.text("\n")  // @start, cleared in END, prints as an empty map
        out.histMap(name: "@usecs", entries: hist.total == 0 ? [] : [(nil, hist)])
    }
}
