/// The clock of a live tool's TIME(s) column: seconds since the first event it printed, counted
/// in the unit its BPF side stamps events with (most tools: bpf_ktime_get_ns() / 1000, whole
/// microseconds; biosnoop and statsnoop: nanoseconds).
struct FirstEventClock {
    /// Nanoseconds per stamp.
    let tick: Int64
    private var start: Int64?

    init(tickNanoseconds: Int64 = 1000) { tick = tickNanoseconds }

    /// The column's value for an event at `ts` (CLOCK_MONOTONIC ns); the first call starts it.
    mutating func seconds(at ts: Int64) -> Double {
        let t = ts / tick
        if start == nil { start = t }
        return Double(t &- start!) / (1_000_000_000 / Double(tick))
    }
}
