import ArgumentParser
import TraceAnalysis

/// The flags bcc's offcputime and offwaketime share (thread kind, stack halves, output form,
/// block-time bounds), with the checks argparse makes of them. -p/-t differ: one id for
/// offcputime, lists for offwaketime; --state too: equality in
/// libbpf-tools offcputime, a bitmask in bcc's offwaketime.
public struct OffCpuFlags: ParsableArguments {
    @Flag(name: [.customShort("u"), .customLong("user-threads-only")], help: "user threads only (no kernel threads)")
    var userThreadsOnly = false
    @Flag(name: [.customShort("k"), .customLong("kernel-threads-only")], help: "kernel threads only (no user threads)")
    var kernelThreadsOnly = false
    @Flag(name: [.customShort("U"), .customLong("user-stacks-only")], help: "show stacks from user space only (no kernel space stacks)")
    var userStacksOnly = false
    @Flag(name: [.customShort("K"), .customLong("kernel-stacks-only")], help: "show stacks from kernel space only (no user space stacks)")
    var kernelStacksOnly = false
    @Flag(name: [.customShort("d"), .customLong("delimited")], help: "insert delimiter between kernel/user stacks")
    var delimited = false
    @Flag(name: [.customShort("f"), .customLong("folded")], help: "output folded format")
    var folded = false
    @Option(name: .customLong("stack-storage-size"), help: ArgumentHelp("the number of unique stack traces that can be stored and displayed (no effect: nothing is dropped)", valueName: "N"))
    var stackStorageSize: Int = 1024
    @Option(name: [.customShort("m", allowingJoined: true), .customLong("min-block-time")], help: ArgumentHelp("the amount of time in microseconds over which we store traces", valueName: "US"))
    var minBlock: UInt64 = 1
    @Option(name: [.customShort("M", allowingJoined: true), .customLong("max-block-time")], help: ArgumentHelp("the amount of time in microseconds under which we store traces", valueName: "US"))
    var maxBlock: UInt64 = .max

    public init() {}

    /// argparse's refusals, `threadFlags` naming the -p/-t the tool was given.
    func check(threadFlags given: [String]) throws {
        let threadFlags = given + [userThreadsOnly ? "-u/--user-threads-only" : nil, kernelThreadsOnly ? "-k/--kernel-threads-only" : nil].compactMap { $0 }
        if threadFlags.count > 1 { throw AnalysisError("argument \(threadFlags[1]): not allowed with argument \(threadFlags[0])") }
        if userStacksOnly && kernelStacksOnly { throw AnalysisError("argument -K/--kernel-stacks-only: not allowed with argument -U/--user-stacks-only") }
        if minBlock == 0 { throw AnalysisError("argument -m/--min-block-time: must be nonzero") }
        if maxBlock == 0 { throw AnalysisError("argument -M/--max-block-time: must be nonzero") }
        if stackStorageSize <= 0 { throw AnalysisError("argument --stack-storage-size: must be nonzero") }
    }

    func filter(pids: Set<Int64>?, tids: Set<Int64>?, state: Int64?, stateMatch: OffCpuSpans.Filter.StateMatch) -> OffCpuSpans.Filter {
        OffCpuSpans.Filter(pids: pids, tids: tids, userThreadsOnly: userThreadsOnly, kernelThreadsOnly: kernelThreadsOnly, state: state, stateMatch: stateMatch)
    }

    /// bcc's `need_delimiter`: -d, and both halves shown.
    var needDelimiter: Bool { delimited && !(kernelStacksOnly || userStacksOnly) }
    /// The banner's "user + kernel".
    var stackContext: String { userStacksOnly ? "user" : kernelStacksOnly ? "kernel" : "user + kernel" }
}
