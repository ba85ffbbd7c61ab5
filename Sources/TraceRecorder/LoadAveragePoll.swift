import TraceFormat

/// The host's load averages, read from /proc/loadavg once a second into the load_average
/// table. No tracepoint carries them and avenrun is neither in kallsyms nor in BTF on our
/// kernel, so a poll is the only route; biotop's header and loads.bt print what it read.
struct LoadAveragePoll {
    static let path = "/proc/loadavg"
    static let periodNs: UInt64 = 1_000_000_000
    private(set) var lastRead: UInt64?

    /// `0.08 0.03 0.01 1/170 12345` → its six numbers, the averages in hundredths; nil for
    /// anything else (a reader must not guess at a malformed line).
    static func parse(_ text: String) -> [UInt64]? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 5 else { return nil }
        var out: [UInt64] = []
        for average in fields[0..<3] {
            let parts = average.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[1].count == 2, let whole = UInt64(parts[0]), let hundredths = UInt64(parts[1]) else { return nil }
            out.append(whole * 100 + hundredths)
        }
        let tasks = fields[3].split(separator: "/", omittingEmptySubsequences: false)
        guard tasks.count == 2, let runnable = UInt64(tasks[0]), let threads = UInt64(tasks[1]), let lastPid = UInt64(fields[4]) else { return nil }
        out += [runnable, threads, lastPid]
        guard out.allSatisfy({ $0 <= UInt64(UInt32.max) }) else { return nil }
        return out
    }

    /// Reads once the period has passed since the last read (always when `force`: the start
    /// and the stop), appending a row; a file that cannot be read or parsed adds nothing.
    mutating func poll(at now: UInt64, force: Bool = false, into rows: inout TableBuffer) {
        if !force, let last = lastRead, now &- last < Self.periodNs { return }
        lastRead = now
        guard let bytes = readFileBytes(Self.path, limit: 4096), let values = Self.parse(String(decoding: bytes, as: UTF8.self)) else { return }
        rows.append(row: [.u64(now)] + values.map { .u64($0) })
    }
}
