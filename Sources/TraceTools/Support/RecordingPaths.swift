import Foundation
import TraceAnalysis
import TraceFormat

/// One recording named by several paths: the numbered files of `bpfrec record --rotate`
/// (`bpfan TOOL run.*.trc`). The tools' positional parsing carries them as one argument, the
/// paths joined by NUL (which no path contains), and opens them as one `TraceFile`.
public enum RecordingPaths {
    static let separator: Character = "\u{0}"

    public static func join(_ paths: [String]) -> String { paths.joined(separator: String(separator)) }
    public static func split(_ argument: String) -> [String] { argument.split(separator: separator).map(String.init) }
    /// The paths as a user reads them.
    public static func shown(_ argument: String) -> String { split(argument).joined(separator: " ") }

    public static func open(_ argument: String) throws -> TraceFile { try TraceFile(paths: split(argument)) }

    /// The recording at `args[index]` and the numbered files right after it (existing `.trc`
    /// files), for commands whose own arguments follow the recording (`bpfan bt F.bt run.*.trc
    /// 1234`): the joined argument and how many arguments it took.
    public static func leading(_ args: [String], at index: Int) -> (argument: String, count: Int) {
        var n = 1
        while index + n < args.count, args[index + n].hasSuffix(".trc"), isFile(args[index + n]), isFile(args[index]) { n += 1 }
        return (join(Array(args[index..<(index + n)])), n)
    }

    /// The recording at `args[index]` and the files right after it numbered from the same -o
    /// path (`base.0001.trc base.0002.trc new.0001.trc`: the first two), for commands that take
    /// two recordings side by side (`bpfan compare base.*.trc new.*.trc TOOL`).
    public static func numberedSet(_ args: [String], at index: Int) -> (argument: String, count: Int) {
        guard let pattern = RotatedSet.pattern(ofNumbered: args[index]) else { return (args[index], 1) }
        var n = 1
        while index + n < args.count, RotatedSet.pattern(ofNumbered: args[index + n]) == pattern, isFile(args[index + n]) { n += 1 }
        return (join(Array(args[index..<(index + n)])), n)
    }

    /// Whether `arg` can be one more file of a set (so that `run.0001.trc run.0002.trc` is not
    /// taken for a recording and a misspelt interval).
    static func isFile(_ arg: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: arg, isDirectory: &dir) && !dir.boolValue
    }
}

extension Recording {
    /// The note for a recording whose oldest data is not in it (a ring's dropped chunks, the
    /// first files of a rotated set), naming where it is complete from.
    public var lostOldestNote: String? {
        guard let what = file.lostOldestData else { return nil }
        guard file.firstCoveredTime != nil else { return what }
        let start = clock.map { Formatting.utc($0.realtimeAtStart &+ (startTime &- $0.monotonicAtStart)) }
            ?? "\(startTime) ns (CLOCK_MONOTONIC)"
        return "\(what); the recording is complete from \(start), where the analysed span begins"
    }
}
