import ArgumentParser
import TraceAnalysis
import TraceReport

/// bpftrace's bitesize.bt (0.17): `@[args->comm] = hist(args->bytes)` on block_rq_issue.
public struct BitesizeBt: RecordingTool {
    public static let toolName = "bitesize.bt"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Show disk I/O size bytes as a histogram (bpftrace bitesize.bt output).")

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["block_rq_issue"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        var hists: [String: BpftraceHistogram] = [:]
        try rec.scanBatches(BlockRqIssueRow.self, reading: [\.nrBytes, \.comm]) { b in
            let bytes = b[\BlockRqIssueRow.nrBytes], comms = b[\BlockRqIssueRow.comm]
            for r in 0..<b.count { hists[comms.string(r), default: BpftraceHistogram()].add(bytes[r]) }
        }
        out.text("Attaching 3 probes...\nTracing block device I/O... Hit Ctrl-C to end.\n")
        out.text("\nI/O size (bytes) histograms by process name:")
        out.text("\n\n")
        out.histMap(name: "@", entries: hists.keys.sorted().map { ($0, hists[$0]!) })
    }
}
