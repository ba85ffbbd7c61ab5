/// The `interval [count]` arguments of the live tools, in recording time: interval k covers
/// `[start + k*interval, start + (k+1)*interval)`. Without an interval, one bucket spans the
/// whole analysed window (the live tool's single report at Ctrl-C).
public struct IntervalBuckets: Sendable, Equatable {
    /// More intervals than this (11 days of 1 s reports) are not kept: a hostile or broken
    /// recording must not make a tool allocate without bound.
    public static let maxBuckets = 1_000_000

    public let start: Int64
    public let end: Int64
    public let interval: Int64?
    public let count: Int?
    public let bucketCount: Int

    public init(start: Int64, end: Int64, intervalSeconds: Int?, count: Int?) {
        self.start = start
        self.end = max(start, end)
        let interval = intervalSeconds.map { Int64(min($0, 1 << 30)) * 1_000_000_000 }
        self.interval = interval
        self.count = count
        // Differences in UInt64: start <= end, so the wrapped difference is the true one.
        if let interval {
            let span = UInt64(bitPattern: self.end &- start), step = UInt64(interval)
            let n = span / step + (span % step == 0 ? 0 : 1)
            var c = Int(min(n, UInt64(Self.maxBuckets)))
            c = max(1, c)
            if let count { c = min(c, count) }
            bucketCount = c
        } else {
            bucketCount = 1
        }
    }

    /// Bucket of a timestamp, or nil when it falls after the last bucket.
    @inlinable public func index(of ts: Int64) -> Int? {
        guard let interval else { return ts >= end ? nil : 0 }
        if ts >= end { return nil }
        if ts < start { return 0 }
        let i = UInt64(bitPattern: ts &- start) / UInt64(interval)
        return i < UInt64(bucketCount) ? Int(i) : nil
    }

    /// The buckets that are whole intervals: all but a last one the window's end cuts short
    /// (what a live tool killed by Ctrl-C, without printing the interval under way, printed).
    public var wholeCount: Int {
        guard let interval else { return bucketCount }
        return min(bucketCount, Int(min(UInt64(bitPattern: end &- start) / UInt64(interval), UInt64(Self.maxBuckets))))
    }

    /// Seconds of the last bucket when the window's end cuts it short, else 0.
    public var cutSeconds: Double {
        guard let interval, wholeCount < bucketCount else { return 0 }
        return Double(UInt64(bitPattern: end &- start) % UInt64(interval)) / 1e9
    }

    /// When bucket `i` is reported: its end, or the window's end for a partial last bucket.
    public func reportTime(of i: Int) -> Int64 {
        guard let interval else { return end }
        let offset = UInt64(i + 1).multipliedReportingOverflow(by: UInt64(interval))
        if offset.overflow || offset.partialValue >= UInt64(bitPattern: end &- start) { return end }
        return start &+ Int64(offset.partialValue)
    }
}

/// The reports a tool asked for: every `seconds` of recording time, `count` of them, within the
/// first `spanSeconds` (a -d DURATION that ends the analysed span early).
public struct IntervalRequest: Sendable, Equatable {
    public var seconds: Int
    public var count: Int?
    public var spanSeconds: Int?

    public init(seconds: Int, count: Int? = nil, spanSeconds: Int? = nil) {
        self.seconds = seconds
        self.count = count
        self.spanSeconds = spanSeconds
    }
}
