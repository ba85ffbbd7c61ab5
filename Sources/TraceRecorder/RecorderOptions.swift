import Foundation
import TraceSchema

/// What `bpfrec record` was asked to do.
public struct RecorderOptions: Sendable {
    public var output: String
    /// Seconds to record; nil = until SIGINT/SIGTERM.
    public var duration: Double?
    public var families: [Family]
    /// Tracepoints to record generically (`-e SUBSYS:EVENT`, globs allowed).
    public var events: [String] = []
    /// Tracepoints to record generically with stacks (`--stack-events`, globs allowed); they
    /// need not be named with -e too.
    public var stackEvents: [String] = []
    /// Which stacks `stackEvents` take (`--stack kernel,user`).
    public var stacks: TracepointStacks = [.kernel, .user]
    /// True when the families were named by the user: then one that does not load is an error
    /// rather than a warning.
    public var familiesExplicit = false
    /// Record only these tgids (and their descendants).
    public var pids: [UInt32] = []
    /// Record process-context events only from this cgroup v2 directory.
    public var cgroupPath: String?
    /// Ring buffer size in MiB (a power of two).
    public var ringSizeMB = 16
    /// A table's rows become a chunk at least this often (and loss windows are this long).
    public var flushIntervalMs = 1000
    /// How often the ring buffer is drained (no wakeups: BPF_RB_NO_WAKEUP).
    public var drainIntervalMs = 20
    public var chunkRows = 65536
    public var stackFrequency = 49
    public var offCPUStacks = true
    public var overwrite = false
    public var commandLine: [String] = []
    /// Testing aid: the drain loop does not drain for this long after attaching, so that a
    /// small ring overflows on purpose and the loss accounting can be checked.
    public var stallDrainMs = 0
    public var verbose = false
    /// At stop, how long symbol extraction may still run before binaries are skipped.
    public var symbolGraceSeconds = 3.0

    public init(output: String, families: [Family]) {
        self.output = output
        self.families = families
    }
}

/// What a recording held when it stopped; `line` is the one-line summary printed at stop.
public struct RecordingSummary: Sendable {
    public var path: String
    public var seconds: Double
    public var eventsByFamily: [Family: UInt64]
    public var chunkBytesByFamily: [Family: Int]
    public var lostByFamily: [Family: UInt64]
    public var fileBytes: Int
    public var families: [Family]

    public var totalEvents: UInt64 { eventsByFamily.values.reduce(0, +) }
    public var totalLost: UInt64 { lostByFamily.values.reduce(0, +) }

    public var line: String {
        let per = families.map { f in
            let n = eventsByFamily[f] ?? 0
            let b = chunkBytesByFamily[f] ?? 0
            let bpe = n > 0 ? String(format1: Double(b) / Double(n)) : "-"
            let lost = lostByFamily[f] ?? 0
            return "\(f) \(n) (\(bpe) B/ev\(lost > 0 ? ", lost \(lost)" : ""))"
        }.joined(separator: ", ")
        let bpe = totalEvents > 0 ? String(format1: Double(fileBytes) / Double(totalEvents)) : "-"
        return "bpfrec: \(totalEvents) events in \(String(format1: seconds)) s [\(per)], \(fileBytes) bytes, \(bpe) bytes/event, lost \(totalLost) -> \(path)"
    }
}

extension String {
    /// One decimal, without Foundation's locale-dependent formatting.
    init(format1 v: Double) {
        let tenths = Int((v * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}

extension RecorderOptions {
    /// `--stack-events LIST`: comma-separated SUBSYS:EVENT patterns (repeatable).
    public static func parseStackEvents(_ lists: [String]) throws(RecorderError) -> [String] {
        var out: [String] = []
        for list in lists {
            let items = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !items.contains(where: \.isEmpty) else {
                throw RecorderError("--stack-events '\(list)': expected a comma-separated list of SUBSYS:EVENT (globs allowed), with no empty item")
            }
            for item in items where !out.contains(item) { out.append(item) }
        }
        return out
    }

    /// `--stack kernel,user`: which stacks the --stack-events take.
    public static func parseStacks(_ text: String) throws(RecorderError) -> TracepointStacks {
        var kinds: TracepointStacks = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            switch item {
            case "kernel": kinds.insert(.kernel)
            case "user": kinds.insert(.user)
            default: throw RecorderError("--stack \(text): '\(item)' is not a stack kind (expected kernel, user or kernel,user)")
            }
        }
        return kinds
    }
}
