import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools biolatency: block I/O latency (issue → complete, or insert → complete with -Q)
/// as log2 histograms, optionally per disk and per flag set, per interval.
public struct Biolatency: RecordingTool {
    public static let toolName = "biolatency"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "-Q also needs block_rq_insert"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize block device I/O latency as a histogram.",
        discussion: """
        EXAMPLES:
            bpfan biolatency run.trc          # summarize block I/O latency as a
                                              # histogram
            bpfan biolatency run.trc 1 10     # print 1 second summaries, 10 times
            bpfan biolatency -mT run.trc 1    # 1s summaries, milliseconds, and
                                              # timestamps
            bpfan biolatency -Q run.trc       # include OS queued time in I/O time
            bpfan biolatency -D run.trc       # show each disk device separately
            bpfan biolatency -F run.trc       # show I/O flags separately
            bpfan biolatency -d sdc run.trc   # Trace sdc only
        """)
    public static let numericPositionals = ["interval", "count"]

    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("m"), .customLong("milliseconds")], help: "Millisecond histogram")
    var milliseconds = false
    @Flag(name: [.customShort("Q"), .customLong("queued")], help: "Include OS queued time in I/O time")
    var queued = false
    @Flag(name: [.customShort("D"), .customLong("disk")], help: "Print a histogram per disk device")
    var perDisk = false
    @Flag(name: [.customShort("F"), .customLong("flag")], help: "Print a histogram per set of I/O flags")
    var perFlag = false
    @Option(name: [.customShort("d", allowingJoined: true)], help: ArgumentHelp("Trace this disk only", valueName: "DISK"))
    var disk: String?
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("cgroup")], help: ArgumentHelp("Trace process in cgroup path (not recorded: refused)", valueName: "CG"))
    var cgroup: String?
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, then the live tool's [interval] [count] (recording time).", valueName: "recording [interval] [count]"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] {
        (queued ? ["block_rq_insert"] : []) + ["block_rq_issue", "block_rq_complete"]
    }

    struct Key: Hashable, Comparable {
        var dev: UInt32
        var flags: UInt32
        static func < (a: Key, b: Key) -> Bool { (a.dev, a.flags) < (b.dev, b.flags) }
        var packed: Int64 { Int64(bitPattern: UInt64(dev) << 32 | UInt64(flags)) }
        init(dev: UInt32, flags: UInt32) {
            self.dev = dev
            self.flags = flags
        }
        init(packed: Int64) {
            dev = UInt32(truncatingIfNeeded: UInt64(bitPattern: packed) >> 32)
            flags = UInt32(truncatingIfNeeded: packed)
        }
    }

    /// The pairing of issue (or insert, -Q) with completion under this invocation's flags,
    /// shared by the histograms and compare's samples.
    struct Pairing: Sendable {
        var targetDev: UInt32?
        var queued: Bool
        var perDisk: Bool
        var perFlag: Bool

        var sources: [ScanSource] {
            // Columns not read are left out (zeros, positions unchanged).
            let cols = ["ts", "rq", targetDev != nil || perDisk ? "dev" : "", perFlag ? "cmd_flags" : ""]
            return (queued ? [ScanSource("block_rq_insert", cols)] : []) + [ScanSource("block_rq_issue", cols), ScanSource("block_rq_complete", cols)]
        }

        func ops(_ row: PairRow, _ ops: inout PairOps) {
            let rq = row.int(1)
            let issueSource = queued ? 1 : 0
            switch row.source {
            case ..<issueSource:
                if let targetDev, UInt32(truncatingIfNeeded: row.int(2)) != targetDev { return }
                ops.set(rq, row.ts)
            case issueSource:
                if let targetDev, UInt32(truncatingIfNeeded: row.int(2)) != targetDev { return }
                // With -Q the insert time stands; the issue only starts requests that were never
                // inserted (no I/O scheduler), as the live tool's elevator check does.
                if queued { ops.setIfAbsent(rq, row.ts) } else { ops.set(rq, row.ts) }
            default:
                ops.take(rq)
            }
        }

        /// The latency (ns) and key of a completion matched to its start; nil when negative.
        @inline(__always) func latency(_ row: PairRow, _ m: PairMatch) -> (key: Key, ns: Int64)? {
            let delta = row.ts &- m.start
            guard delta >= 0 else { return nil }
            return (Key(dev: perDisk ? UInt32(truncatingIfNeeded: row.int(2)) : 0, flags: perFlag ? UInt32(truncatingIfNeeded: row.int(3)) : 0), delta)
        }
    }

    /// The pairing of these flags, after refusing what a recording cannot answer.
    func pairing(_ rec: Recording) throws -> Pairing {
        if cgroup != nil { throw AnalysisError("-c: recordings carry no cgroup membership; cannot filter by cgroup") }
        return Pairing(targetDev: try disk.map { try rec.device(named: $0) }, queued: queued, perDisk: perDisk, perFlag: perFlag)
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let pairing = try self.pairing(rec)
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd,
                                      intervalSeconds: numbers.first, count: numbers.count > 1 ? numbers[1] : nil)
        let divisor: Int64 = milliseconds ? 1_000_000 : 1000
        let perDisk = perDisk, perFlag = perFlag
        // Histograms keyed by the packed (disk, flags) key; KeyedLog2Report's comm is unused.
        let initial = KeyedLog2Report(buckets: buckets, slotCount: 27)
        let report = try rec.scanPaired(pairing.sources, initial: { initial }, ops: { pairing.ops($0, &$1) }, matched: { report, row, m in
            guard let hit = pairing.latency(row, m) else { return }
            report.add(row: row, key: hit.key.packed, comm: "", value: UInt64(hit.ns / divisor))
        }, merge: { $0.merge($1) })
        let hists: [[Key: Log2Histogram]] = report.intervals.map { perKey in
            Dictionary(uniqueKeysWithValues: perKey.map { (Key(packed: $0.key), $0.value.hist) })
        }
        out.text("Tracing block device I/O... Hit Ctrl-C to end.\n")
        for (i, perKey) in hists.enumerated() {
            out.text("\n")
            let time = buckets.reportTime(of: i)
            if timestamp { out.text(printf("%-8s\n", .string(rec.hms(time)))) }
            for key in perKey.keys.sorted() {
                // biolatency.c's print_log2_hists(): "\ndisk = %s\t" with -D, the flags with -F.
                var labels: [(String, Value)] = [("interval", Value(i)), ("time", .time(time))]
                var heading = ""
                if perDisk {
                    let name = rec.diskName(key.dev) ?? "Unknown"
                    labels.append(("disk", .string(name)))
                    heading += printf("\ndisk = %s\t", .string(name))
                }
                if perFlag {
                    let flags = BlockRequestFlags.describe(key.flags)
                    labels.append(("flags", .string(String(flags.dropFirst(8)))))
                    heading += flags
                }
                out.histogram(Histogram(.log2, unit: milliseconds ? .ms : .us, unitLabel: milliseconds ? "msecs" : "usecs", labels: labels,
                                        heading: heading + "\n", slots: perKey[key]!.slots))
            }
        }
    }
}
