import Foundation

/// A half-open span of CLOCK_MONOTONIC time `[start, end)`; nil ends are open.
public struct TimeWindow: Sendable, Equatable {
    public var start: Int64?
    public var end: Int64?

    public init(start: Int64? = nil, end: Int64? = nil) {
        self.start = start
        self.end = end
    }

    public static let all = TimeWindow()

    @inline(__always)
    public func contains(_ ts: Int64) -> Bool {
        if let start, ts < start { return false }
        if let end, ts >= end { return false }
        return true
    }

    /// True when no instant of `[minTime, maxTime]` can be inside the window (chunk pushdown).
    public func excludes(minTime: Int64, maxTime: Int64) -> Bool {
        if let start, maxTime < start { return true }
        if let end, minTime >= end { return true }
        return false
    }
}

/// Turns the `--from`/`--to` text into a CLOCK_MONOTONIC instant. Accepted forms:
/// seconds from the start of the recording (`12`, `1.5`), a wall-clock time of day in the
/// recording host's time zone (`22:30:01`, `22:30:01.250`) on the day the recording started (or
/// the next day when that time is earlier than the start), or an ISO 8601 date-time
/// (`2026-11-24T22:30:01Z`, `2026-11-24T22:30:01.250+01:00`, `2026-11-24 22:30:01` local).
public enum TimeSpec {
    public static func parse(_ text: String, recordingStart: Int64, clock: ClockAnchorsView?) throws -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(t), seconds.isFinite, seconds >= 0, !t.contains(":") {
            guard seconds < 1e9 else { throw AnalysisError("'\(text)': too many seconds") }
            return recordingStart &+ Int64((seconds * 1e9).rounded())
        }
        guard let clock else {
            throw AnalysisError("'\(text)': wall-clock times need the recording's clock anchors, which it lacks; give seconds from the start instead")
        }
        let offset = Int64(clock.utcOffsetSeconds)
        if let tod = timeOfDay(t) {
            // Local wall clock of the recording's first instant, then the same day at `tod`.
            let startLocal = clock.realtime(ofMonotonic: recordingStart) &+ offset &* 1_000_000_000
            let day: Int64 = 86_400 * 1_000_000_000
            let midnight = startLocal - ((startLocal % day) + day) % day
            var local = midnight + tod
            // A time of day before the start (minus a minute of slack) means the next day.
            if local < startLocal - 60 * 1_000_000_000 { local += day }
            return clock.monotonic(ofRealtime: local &- offset &* 1_000_000_000)
        }
        if let utcNs = isoDateTime(t, defaultOffsetSeconds: offset) {
            return clock.monotonic(ofRealtime: utcNs)
        }
        throw AnalysisError("'\(text)': not a time; expected seconds from the start (1.5), HH:MM:SS[.fff] or an ISO date-time (2026-11-24T22:30:01Z)")
    }

    /// Nanoseconds since midnight for `HH:MM[:SS[.fff]]`.
    static func timeOfDay(_ t: String) -> Int64? {
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3,
              let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        var ns = Int64(h * 3600 + m * 60) * 1_000_000_000
        if parts.count == 3 {
            guard let s = Double(parts[2]), s >= 0, s < 61, !parts[2].hasPrefix("+"), !parts[2].hasPrefix("-") else { return nil }
            ns += Int64((s * 1e9).rounded())
        }
        return ns
    }

    /// UTC nanoseconds for `YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|±HH:MM]`; no zone means `defaultOffsetSeconds`.
    static func isoDateTime(_ t: String, defaultOffsetSeconds: Int64) -> Int64? {
        let chars = Array(t)
        guard chars.count >= 19, chars[4] == "-", chars[7] == "-", chars[10] == "T" || chars[10] == " " else { return nil }
        guard let y = Int(String(chars[0..<4])), let mo = Int(String(chars[5..<7])), let d = Int(String(chars[8..<10])),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var rest = String(chars[11...])
        var zone: Int64 = defaultOffsetSeconds
        if rest.hasSuffix("Z") {
            zone = 0
            rest.removeLast()
        } else if let signIndex = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let z = rest[rest.index(after: signIndex)...].split(separator: ":")
            guard z.count == 2, let zh = Int(z[0]), let zm = Int(z[1]) else { return nil }
            zone = Int64(zh * 3600 + zm * 60) * (rest[signIndex] == "-" ? -1 : 1)
            rest = String(rest[..<signIndex])
        }
        guard let tod = timeOfDay(rest) else { return nil }
        var comps = DateComponents()
        comps.year = y
        comps.month = mo
        comps.day = d
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard let date = cal.date(from: comps) else { return nil }
        let midnightUTC = Int64(date.timeIntervalSince1970) * 1_000_000_000
        return midnightUTC + tod - zone * 1_000_000_000
    }
}

/// The clock facts a time conversion needs (a thin view of the recording's ClockAnchors).
public struct ClockAnchorsView: Sendable, Equatable {
    public var monotonicAtStart: Int64
    public var realtimeAtStart: Int64
    public var utcOffsetSeconds: Int

    public init(monotonicAtStart: Int64, realtimeAtStart: Int64, utcOffsetSeconds: Int) {
        self.monotonicAtStart = monotonicAtStart
        self.realtimeAtStart = realtimeAtStart
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    public func realtime(ofMonotonic t: Int64) -> Int64 { t &- monotonicAtStart &+ realtimeAtStart }
    public func monotonic(ofRealtime t: Int64) -> Int64 { t &- realtimeAtStart &+ monotonicAtStart }

    /// The recording host's local time of day of a monotonic instant: (hour, minute, second, nanosecond).
    public func localTimeOfDay(ofMonotonic t: Int64) -> (h: Int, m: Int, s: Int, ns: Int) {
        let local = realtime(ofMonotonic: t) &+ Int64(utcOffsetSeconds) &* 1_000_000_000
        let day: Int64 = 86_400 * 1_000_000_000
        let inDay = ((local % day) + day) % day
        let secs = Int(inDay / 1_000_000_000)
        return (secs / 3600, (secs / 60) % 60, secs % 60, Int(inDay % 1_000_000_000))
    }

    /// `HH:MM:SS` in the recording host's local time, like strftime("%H:%M:%S") on that host.
    public func hms(ofMonotonic t: Int64) -> String {
        let c = localTimeOfDay(ofMonotonic: t)
        return pad2(c.h) + ":" + pad2(c.m) + ":" + pad2(c.s)
    }

    private func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
