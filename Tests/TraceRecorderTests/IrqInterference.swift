import Foundation

/// Hard irqs that may have landed between bpfrec's clock read and the live tool's at a soft
/// irq's entry or exit, measured in the recording. Soft irqs run with interrupts enabled, so a
/// hard irq can arrive after bpfrec's softirq program read its clock and before the live
/// tool's did: its whole handling (the handler, every program on irq_handler_entry/exit, the
/// interrupt's entry and exit path) is then in the live tool's reading and not in bpfan's
/// (seen once in 35 sessions: rcu read 56 µs longer live over 216 events, +0.26 µs/event
/// where every other session read 0 or less). At an entry it shortens the live time, at an
/// exit it lengthens it. A hard irq recorded as starting within `gapNs` after the soft irq's
/// entry or exit on its CPU is counted, whole, on that side: more than can have been between
/// (a wider allowance), never less.
struct HardirqInterference {
    /// µs the live tool's total of a vector may read shorter (entry) / longer (exit).
    var entryUs: [String: Int64] = [:]
    var exitUs: [String: Int64] = [:]
    var count = 0

    /// None (hard irqs do not nest in hard irqs).
    init() {}

    /// `gapNs`: bpfrec's program after its clock read, the live tool's before its own (< 1 µs
    /// in bpf_stats), and the interrupt entry path before bpfrec's irq_handler_entry clock
    /// read. `overheadNs`: what a hard irq costs beyond its recorded span (the programs on
    /// irq_handler_entry/exit after bpfrec's, from bpf_stats, and the entry/exit path).
    init(soft: InterruptSpans, hard: InterruptSpans, from: Int64, to: Int64, gapNs: Int64, overheadNs: Int64) {
        var hardByCPU: [Int64: [(start: Int64, end: Int64)]] = [:]
        for h in hard.spans { hardByCPU[h.cpu, default: []].append((h.start, h.end)) }
        for s in soft.spans where s.end >= from && s.end < to {
            guard let hs = hardByCPU[s.cpu] else { continue }
            for (edge, isEntry) in [(s.start, true), (s.end, false)] {
                // hs is sorted by start (spans are): the first starting after `edge`.
                var lo = 0, hi = hs.count
                while lo < hi { let mid = (lo + hi) / 2; if hs[mid].start <= edge { lo = mid + 1 } else { hi = mid } }
                var i = lo
                while i < hs.count && hs[i].start <= edge + gapNs {
                    let us = (hs[i].end - hs[i].start + overheadNs + 999) / 1000
                    if isEntry { entryUs[s.key, default: 0] += us } else { exitUs[s.key, default: 0] += us }
                    count += 1
                    i += 1
                }
            }
        }
    }
}
