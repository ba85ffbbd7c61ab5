import TraceSchema

/// One read of /proc/loadavg by the recorder (the load_average table).
public struct LoadAverage: Sendable, Equatable {
    public var ts: Int64
    /// The 1, 5 and 15-minute averages in hundredths, as /proc/loadavg prints them.
    public var load1: Int64, load5: Int64, load15: Int64
    public var runnable: Int64, threads: Int64, lastPid: Int64

    /// The line as /proc/loadavg had it (`0.08 0.03 0.01 1/170 12345`), without its newline:
    /// what biotop prints after "loadavg: ".
    public var procText: String {
        func average(_ v: Int64) -> String { "\(v / 100)." + (v % 100 < 10 ? "0" : "") + "\(v % 100)" }
        return "\(average(load1)) \(average(load5)) \(average(load15)) \(runnable)/\(threads) \(lastPid)"
    }
}

/// The recording's load-average reads in time order, for the tools that print the host's load
/// at a moment (biotop's header): the latest read at or before it, as the live tool would
/// have read the file then.
public struct LoadAverages: Sendable {
    public let reads: [LoadAverage]

    public init(_ rec: Recording) throws {
        var reads: [LoadAverage] = []
        if rec.hasTable("load_average") {
            try rec.scanBatches(LoadAverageRow.self, reading: [\.load1, \.load5, \.load15, \.runnable, \.threads, \.lastPid]) { b in
                let ts = b[\LoadAverageRow.ts], l1 = b[\LoadAverageRow.load1], l5 = b[\LoadAverageRow.load5], l15 = b[\LoadAverageRow.load15]
                let runnable = b[\LoadAverageRow.runnable], threads = b[\LoadAverageRow.threads], last = b[\LoadAverageRow.lastPid]
                for i in 0..<b.count {
                    reads.append(LoadAverage(ts: ts[i], load1: l1[i], load5: l5[i], load15: l15[i], runnable: runnable[i], threads: threads[i], lastPid: last[i]))
                }
            }
        }
        self.reads = reads.sorted { $0.ts < $1.ts }
    }

    /// The latest read at or before `ts`, or nil when there is none.
    public func latest(atOrBefore ts: Int64) -> LoadAverage? {
        var lo = 0, hi = reads.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if reads[mid].ts <= ts { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : reads[lo - 1]
    }
}
