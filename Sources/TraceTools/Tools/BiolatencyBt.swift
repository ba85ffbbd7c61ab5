import ArgumentParser
import TraceAnalysis

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
        if common.json {
            out.write(JSONShapes.histograms(tool: Self.toolName, unit: "usecs", [([("map", .string("@usecs"))], bpftraceBuckets(hist))]))
            return
        }
        out.line("Attaching 6 probes...")
        out.line("Tracing block device I/O... Hit Ctrl-C to end.")
        out.write("\n\n")
        out.write("\n")  // @start, cleared in END, prints as an empty map
        out.write(hist.total == 0 ? "\n" : BpftracePrinter.histMap(name: "@usecs", entries: [(nil, BpftracePrinter.hist(hist), hist.total)]))
    }
}

/// A bpftrace histogram's non-empty span as JSON buckets (`low` inclusive, `high` exclusive as
/// bpftrace labels them; negatives as low = high = -1).
func bpftraceBuckets(_ h: BpftraceHistogram) -> [(low: Int64, high: Int64, count: UInt64)] {
    guard let first = h.buckets.firstIndex(where: { $0 > 0 }), let last = h.buckets.lastIndex(where: { $0 > 0 }) else { return [] }
    return (first...last).map { i in
        switch i {
        case 0: return (-1, -1, h.buckets[i])
        case 1: return (0, 1, h.buckets[i])
        default: return (Int64(1) << Int64(i - 2), i - 1 >= 63 ? Int64.max : Int64(1) << Int64(i - 1), h.buckets[i])
        }
    }
}
