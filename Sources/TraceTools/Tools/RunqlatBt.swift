import ArgumentParser
import TraceAnalysis
import TraceReport

/// bpftrace's runqlat.bt (0.17): `@usecs = hist(...)` of the wait from sched_wakeup(_new), or
/// from a switch-out whose tracepoint `prev_state` is TASK_RUNNING, to the switch-in, keyed by
/// tid (idle included), printed at exit after the cleared `@qtime` map.
public struct RunqlatBt: RecordingTool {
    public static let toolName = "runqlat.bt"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "CPU scheduler run queue latency as a histogram (bpftrace runqlat.bt output).")

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["sched_switch", "sched_wakeup", "sched_wakeup_new"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let pairing = RunQueuePairing(rule: .tracepointStateZero, skipIdle: false)
        let hist = try rec.scanPaired(pairing.sources(), initial: { BpftraceHistogram() }, ops: { pairing.ops($0, &$1) }, matched: { hist, row, m in
            if let latency = RunQueuePairing.latency(row, m) { hist.add(latency / 1000) }
        }, merge: { $0.merge($1) })
        out.text("Attaching 5 probes...\nTracing CPU scheduler... Hit Ctrl-C to end.\n")
        out.text("\n\n")
        out.text("\n")  // @qtime, cleared in END, prints as an empty map
        out.histMap(name: "@usecs", entries: hist.total == 0 ? [] : [(nil, hist)])
    }
}
