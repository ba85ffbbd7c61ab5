/// The `interval [count]` arguments of the live tools, in recording time: interval k covers
/// `[start + k*interval, start + (k+1)*interval)`. Without an interval, one bucket spans the
/// whole analysed window (the live tool's single report at Ctrl-C).
public struct IntervalBuckets: Sendable, Equatable {
    public let start: Int64
    public let end: Int64
    public let interval: Int64?
    public let count: Int?

    public init(start: Int64, end: Int64, intervalSeconds: Int?, count: Int?) {
        self.start = start
        self.end = max(start, end)
        interval = intervalSeconds.map { Int64($0) * 1_000_000_000 }
        self.count = count
    }

    /// Bucket of a timestamp, or nil when it falls after the last bucket.
    public func index(of ts: Int64) -> Int? {
        guard let interval else { return ts >= end ? nil : 0 }
        if ts < start { return 0 }
        let i = Int((ts - start) / interval)
        if let count, i >= count { return nil }
        if ts >= end { return nil }
        return i
    }

    /// How many buckets the window holds (the last may be partial, as a live tool stopped by
    /// Ctrl-C prints what it has).
    public var bucketCount: Int {
        guard let interval else { return 1 }
        let n = Int((end - start + interval - 1) / interval)
        let full = max(1, n)
        return count.map { min($0, full) } ?? full
    }

    /// When bucket `i` is reported: its end, or the window's end for a partial last bucket.
    public func reportTime(of i: Int) -> Int64 {
        guard let interval else { return end }
        return min(end, start + Int64(i + 1) * interval)
    }
}
