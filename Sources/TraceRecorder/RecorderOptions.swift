import Foundation
import TraceFormat
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
    /// Off-CPU stacks at every switch-out (`--offcpu-stacks all`), not only as tasks block.
    public var offCPUStacksAtEverySwitch = false
    public var overwrite = false
    public var commandLine: [String] = []
    /// Testing aid: the drain loop does not drain for this long after attaching, so that a
    /// small ring overflows on purpose and the loss accounting can be checked.
    public var stallDrainMs = 0
    public var verbose = false
    /// At stop, how long symbol extraction may still run before binaries are skipped.
    public var symbolGraceSeconds = 3.0
    /// `-- CMD ARGS`: run this command once recording, stop when it exits, and record only it
    /// and its descendants (with the -p pids, if any) unless `systemWide`.
    public var command: [String] = []
    /// `-a` with a command: record every process while it runs.
    public var systemWide = false
    /// Who the file is given to (the sudo user, --owner); nil: it stays the creator's.
    public var owner: FileOwner?
    /// `--max-size`: the file never grows past this many bytes; recording stops when the next
    /// block would not fit.
    public var maxSize: Int?
    /// `--ring SIZE`: a flight recorder keeping the newest SIZE bytes of chunks (format 2.0).
    public var ring: Int?
    /// `--rotate SIZE|DURATION`: numbered files, each begun past SIZE bytes or DURATION.
    public var rotateBytes: Int?
    public var rotateSeconds: Double?
    /// After a stop request, how long a launched command may take to exit (still recorded)
    /// before the recording stops and it is sent SIGTERM.
    public var commandGraceSeconds = 2.0

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
    /// Who owns the file and why ("alice (the sudo user)"), and its mode.
    public var ownerText = ""
    /// Why the recording stopped when it was not a signal or -d ("--max-size 1.0 MiB reached").
    public var stopReason: String?
    /// The launched command (`-- CMD`): what it was, how it ended, and the status bpfrec exits with.
    public var command: String?
    public var commandOutcome: String?
    public var commandExitCode: Int32?

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
        var line = "bpfrec: \(totalEvents) events in \(String(format1: seconds)) s [\(per)], \(fileBytes) bytes, \(bpe) bytes/event, lost \(totalLost) -> \(path)"
        if !ownerText.isEmpty { line += " (\(ownerText))" }
        if let stopReason { line += "; stopped: \(stopReason)" }
        if let command, let commandOutcome { line += "; `\(command)` \(commandOutcome)" }
        return line
    }
}

/// The live status line (`bpfrec record` on a terminal): what the recording holds so far, and
/// its rates over the last second.
public struct StatusLine: Sendable, Equatable {
    public var seconds: Double
    public var events: UInt64
    public var eventsPerSecond: Double
    public var bytes: Int
    public var lost: UInt64
    public var lostPerSecond: Double

    /// With --ring: the bytes of chunks dropped so far to make room (`bytes` counts them too).
    public var ringDroppedBytes: Int?
    /// With --rotate: the files begun so far (`bytes` is over all of them).
    public var files: Int

    /// `bytes`: what was written since the start, over every file of a rotated set and
    /// including what a ring has dropped since, so that B/event stays the recording's cost.
    public init(seconds: Double, events: UInt64, eventsPerSecond: Double, bytes: Int, lost: UInt64, lostPerSecond: Double,
                ringDroppedBytes: Int? = nil, files: Int = 1) {
        self.seconds = seconds
        self.events = events
        self.eventsPerSecond = eventsPerSecond
        self.bytes = bytes
        self.lost = lost
        self.lostPerSecond = lostPerSecond
        self.ringDroppedBytes = ringDroppedBytes
        self.files = files
    }

    /// "bpfrec: 12.0 s, 1234567 events (102345/s), 1.3 MiB (1.1 B/event), lost 0 (0/s)"; a ring
    /// adds what it dropped ("… 40.0 MiB (1.1 B/event), ring dropped 24.0 MiB, …"), a
    /// rotated set its file count ("… 40.0 MiB in 3 files (1.1 B/event), …").
    public var text: String {
        let bpe = events > 0 ? String(format1: Double(bytes) / Double(events)) : "-"
        let where_ = files > 1 ? " in \(files) files" : ""
        let dropped = ringDroppedBytes.map { ", ring dropped \(RecorderOptions.sizeText($0))" } ?? ""
        return "bpfrec: \(String(format1: seconds)) s, \(events) events (\(Int(eventsPerSecond.rounded()))/s), "
            + "\(RecorderOptions.sizeText(bytes))\(where_) (\(bpe) B/event)\(dropped), lost \(lost) (\(Int(lostPerSecond.rounded()))/s)"
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
    /// `--max-size SIZE`: bytes, or a number with K, M, G or T (powers of 1024; KiB, MB... also
    /// read as powers of 1024, as dd and GNU tools' suffixes are here), at least 1 MiB.
    public static func parseSize(_ text: String, flag: String = "--max-size") throws(RecorderError) -> Int {
        switch ByteSize.parse(text, atLeast: 1 << 20) {
        case .success(let bytes): return bytes
        case .failure(.malformed): throw RecorderError("\(flag) \(text): expected a size such as 500M, 2G or 1048576 (bytes)")
        case .failure(.tooSmall): throw RecorderError("\(flag) \(text): too small; at least 1M (the metadata alone takes hundreds of KiB)")
        case .failure(.tooLarge): throw RecorderError("\(flag) \(text): too large")
        }
    }

    /// `--rotate 100M` (a size, as --max-size) or `--rotate 30s` / `10min` / `1h` (a duration).
    /// `10m` is refused as ambiguous (perf reads it as minutes, --max-size as MiB).
    public static func parseRotation(_ text: String) throws(RecorderError) -> (bytes: Int?, seconds: Double?) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("m"), Double(t.dropLast()) != nil {
            throw RecorderError("--rotate \(text): ambiguous; write \(t.dropLast())M for MiB or \(t.dropLast())min for minutes")
        }
        for (suffix, scale) in [("min", 60.0), ("ms", 0.001), ("s", 1), ("h", 3600)] where t.hasSuffix(suffix) {
            guard let v = Double(t.dropLast(suffix.count)), v.isFinite, v > 0 else {
                throw RecorderError("--rotate \(text): expected a size such as 100M or a duration such as 30s, 10min, 1h")
            }
            guard v * scale >= 1 else { throw RecorderError("--rotate \(text): too short; at least 1 s per file") }
            return (nil, v * scale)
        }
        do { return (try parseSize(t, flag: "--rotate"), nil) } catch {
            throw RecorderError("--rotate \(text): expected a size such as 100M or a duration such as 30s, 10min, 1h" + (error.message.contains("too small") ? "; a size of at least 1M" : ""))
        }
    }

    /// 1048576 -> "1.0 MiB".
    public static func sizeText(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(bytes), i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(bytes) bytes" : "\(String(format1: v)) \(units[i])"
    }

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

    /// -e lists, as perf takes them (`-e sched:sched_waking,sched:sched_wakeup`), each item one
    /// event spec. A comma also separates an event's field options (`:filename=str,path=str`):
    /// an item with no colon is one of those and stays with the event before it, since every
    /// event names SUBSYS:EVENT and no field option has a colon.
    public static func splitEventLists(_ lists: [String]) throws(RecorderError) -> [String] {
        var out: [String] = []
        for list in lists {
            var specs: [String] = []
            for item in list.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
                if item.isEmpty {
                    throw RecorderError("-e '\(list)': expected SUBSYS:EVENT[:FIELD=str,...] items separated by commas, with no empty item")
                } else if item.contains(":") || specs.isEmpty {
                    specs.append(item)
                } else {
                    specs[specs.count - 1] += "," + item
                }
            }
            for spec in specs where !out.contains(spec) { out.append(spec) }
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
