import Foundation

/// The comparisons of one irq differential session (IrqDifferentialTests.swift).
struct IrqCompare {
    let session: IrqDiffSession
    let bpfan: String
    let mode: IrqMode

    // The allowances, measured. On one tracepoint the live tool's program runs after bpfrec's,
    // so its entry clock read waits for the rest of bpfrec's entry program and its exit clock
    // read for the rest of bpfrec's exit program. Entries run on cold caches (the first code
    // after an interrupt; bpfrec's irq entry program averaged 340-718 ns, its exit 197-251 ns
    // in bpf_stats), so the live tool's handler times come out shorter than bpfan's.
    // Measured on 51 sessions (2 vCPUs, two other engineers building; 15 of them with two
    // more CPU hogs), live (stage 1) minus bpfan per event, µs: virtio1-req.0 (600-870
    // events) -0.015 to -0.50; timer -0.60 to +0.064, sched -0.61 to +0.025, rcu -0.34 to 0
    // (40-280 events each); block -0.14 to +0.074, net_rx (20,003) -0.007 to +0.013;
    // handlers seen 1-2 times -3 to +1 (whole µs, cut). One session read rcu +0.26 (below). The A/A twin, one more program behind, read 0 to
    // -1.7 µs/event more than stage 1 on softirqs and the same as stage 1 on hardirqs (so the
    // hardirq offset is bpfrec's, not the live tools': its entry program reads the handler's
    // name, cold, after its clock read). Logged each run.

    /// Time totals, live shorter: 1 µs per event, the largest measured per-key mean (-0.60
    /// µs/event) with a margin, as a busier machine has colder caches.
    static let coldEntryUsPerEvent = 1.0
    /// ... and at least 4 µs: a handler seen once or twice runs wholly cold; such events read
    /// up to 3 µs shorter live (stage 1) and 4 µs (the twin), whole µs cut included.
    static let coldEntryFloorUs = 4.0
    /// Time totals, live longer: 0.1 µs per event, the largest measured (+0.074, block; first
    /// set at twice the +0.044 of the first 16 sessions) with a margin. (net_rx's +0.013 is
    /// 252 µs of 20,003 events, inside its rounding allowance alone.)
    static let warmUsPerEvent = 0.1
    /// Both sides cut each event to whole µs: a skew d moves an event's µs by one with
    /// probability |d|/1 µs, so the sum's spread is at most sqrt(N)/2; 4 spreads (2 sqrt(N)).
    static func roundingUs(_ n: Int64) -> Double { 2 * Double(n).squareRoot() }
    /// -d histograms, event by event: each of bpfan's events may read up to 1 µs shorter live
    /// and 0.1 µs longer (the time totals' per-event figures, above), and `freeSamples` may be
    /// anywhere (a handler's few wholly cold events), besides those the window edges explain. A share of moved samples does not work:
    /// virtio-blk completions cluster at the 2 µs edge (once 546 of 609 in 2-3 µs), and a
    /// 0.1-0.3 µs skew moved 236 of them below it live (and 170 for the A/A twin).
    static let coldEntryNs: Int64 = 1000
    static let warmNs: Int64 = 100
    static let freeSamples = 2
    /// ... and one in 1,000 more: the per-event skew has a tail past 1 µs (cold caches, a
    /// hard irq between the two programs); measured: 3 of net_rx's 20,003 past it at the 16 µs
    /// edge (1.76 µs shorter live), the A/A twin once 2.2 µs further.
    static let tailOneIn = 1000
    /// A hard irq recorded as starting this soon after a soft irq's entry or exit on its CPU
    /// may have arrived between bpfrec's clock read and the live tool's (HardirqInterference):
    /// the two programs' rest and start take < 1 µs together in bpf_stats (softirq programs
    /// 83-153 ns each), the interrupt's entry path before bpfrec's irq_handler_entry reads its
    /// clock is the rest; 5 µs counts more hard irqs than can have been between, not fewer.
    static let betweenGapNs: Int64 = 5000
    /// A hard irq's entry and exit path beyond its recorded span and its programs: 1 µs.
    static let interruptPathNs: Int64 = 1000

    /// softirqs.c's vec_names.
    static let vectors = ["hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu"]

    func compare() throws -> [String] {
        var all: [String] = []
        let window = try WindowArgs(recording: session.recording)
        let spans = [
            "hardirqs": try InterruptSpans(recording: session.recording, entry: "irq_handler_entry", exit: "irq_handler_exit") { $0.string("name", $1) },
            "softirqs": try InterruptSpans(recording: session.recording, entry: "softirq_entry", exit: "softirq_exit") { r, i in
                Self.vectors.indices.contains(Int(r.int("vec", i))) ? Self.vectors[Int(r.int("vec", i))] : "?"
            },
        ]
        // Twins are bracketed the same way, in their own windows: the A/A figures, logged.
        for l in session.live {
            let t = l.tool
            var problems = Problems(record: !t.twin)
            defer { all += problems.list }
            let sp = spans[t.tool]!
            let inner = window.args(from: sp.quiet(after: l.innerStart), to: l.innerEnd)
            let outer = window.args(from: sp.quiet(before: l.outerStart), to: l.outerEnd)
            func ask(_ flags: [String], _ w: [String]) throws -> String { try runBinaryOutput(bpfan, [t.tool] + flags + w + [session.recording]) }
            let edges = String(format: "window edges: attach within %.1f ms, map read within %.1f ms", Double(l.innerStart - l.outerStart) / 1e6, Double(l.outerEnd - l.innerEnd) / 1e6)
            let header = t.tool == "hardirqs" ? "HARDIRQ" : "SOFTIRQ"
            let points = t.tool == "hardirqs" ? ["irq_handler_entry", "irq_handler_exit"] : ["softirq_entry", "softirq_exit"]
            let order = session.probes.explain(tool: l.process.pid, recorder: session.recorder?.process.processIdentifier ?? -1, points: points)
            // libbpf-tools 0.26 keeps one start stamp per CPU, zero until the CPU's first entry
            // after its attach, and times an exit from it even so: an interrupt in flight
            // across its attach reads as ~10^10 µs (live only; bpfan's windows start where
            // none is in flight). Possible only when one spans the attach bracket.
            let zeroStamped = sp.spans.contains { $0.start <= l.innerStart && $0.end >= l.outerStart }
            if t.flags.contains("-C") || mode == .time {
                let live = irqTable(l.process.output, header: header)
                let b = bracket(live: live, inner: irqTable(try ask(t.flags, inner), header: header), outer: irqTable(try ask(t.flags, outer), header: header))
                if live.isEmpty { problems.append("\(t.label): the live tool printed no row: \(l.process.output.prefix(300))"); continue }
                if t.flags.contains("-C") {
                    let off = b.filter { $0.excess != 0 }
                    print("irq differential: \(t.label): \(b.count) handlers, counts within bpfan's window brackets: \(b.map(\.text).joined(separator: "; ")); \(edges)")
                    if !off.isEmpty { problems.append("\(t.label): counts outside bpfan's window brackets: \(off.map(\.text).joined(separator: "; "))") }
                    continue
                }
                // Hard irqs that may have landed between the two programs' clock reads.
                let hardOverhead = Int64(["irq_handler_entry", "irq_handler_exit"].flatMap { session.probes.byTracepoint[$0] ?? [] }.map(\.meanNs).reduce(0, +)) + Self.interruptPathNs
                let nested = t.tool == "softirqs"
                    ? HardirqInterference(soft: sp, hard: spans["hardirqs"]!, from: sp.quiet(before: l.outerStart), to: l.outerEnd, gapNs: Self.betweenGapNs, overheadNs: hardOverhead)
                    : HardirqInterference()
                // Events per key in the outer window: the allowance's unit.
                let counts = t.tool == "hardirqs" ? irqTable(try ask(["-C"], outer), header: header) : irqHistograms(try ask(["-d"], outer)).mapValues { Int64(total($0)) }
                var lines: [String] = []
                for r in b {
                    let n = max(1, counts[r.key] ?? 0)
                    let low = Int64((max(Self.coldEntryFloorUs, Self.coldEntryUsPerEvent * Double(n)) + Self.roundingUs(n)).rounded(.up)) + (nested.entryUs[r.key] ?? 0)
                    let high = Int64((Self.warmUsPerEvent * Double(n) + Self.roundingUs(n)).rounded(.up)) + (nested.exitUs[r.key] ?? 0)
                    if zeroStamped && r.live > r.outer + 1_000_000_000 {
                        print("irq differential: \(t.label): \(r.text): an interrupt was in flight while the live tool attached, and libbpf-tools 0.26 times its exit from a zero stamp; \(r.key) not compared")
                        continue
                    }
                    let (ne, nx) = (nested.entryUs[r.key] ?? 0, nested.exitUs[r.key] ?? 0)
                    lines.append(String(format: "%@ (%lld events): %+lld us beyond the bracket, %+.3f us/event", r.text, n, r.signedExcess, Double(r.signedExcess) / Double(n))
                                 + (ne + nx > 0 ? " (hard irqs next to entries \(ne) us, exits \(nx) us)" : ""))
                    if r.signedExcess < -low || r.signedExcess > high {
                        problems.append("\(t.label): \(r.text): \(r.signedExcess) us beyond the bracket, outside the [-\(low), +\(high)] us allowed for \(n) events (\(Self.coldEntryUsPerEvent) / \(Self.warmUsPerEvent) us each 2 sqrt(n) rounding, and \(nested.entryUs[r.key] ?? 0) / \(nested.exitUs[r.key] ?? 0) us of hard irqs next to its entries / exits)")
                    }
                }
                let nestedNote = t.tool == "softirqs" ? "; \(nested.count) hard irqs began within \(Self.betweenGapNs / 1000) us of a soft irq's entry or exit" : ""
                print("irq differential: \(t.label): \(lines.joined(separator: "; ")); \(edges)\(nestedNote); programs (mean run time): \(order)")
            } else {
                let live = irqHistograms(l.process.output)
                if live.isEmpty { problems.append("\(t.label): the live tool printed no histogram: \(l.process.output.prefix(300))"); continue }
                let hi = irqHistograms(try ask(t.flags, inner)), ho = irqHistograms(try ask(t.flags, outer))
                // The outer window's events, one by one (as bpfan reads it: exits in [from,
                // to), each from its CPU's last entry; no interrupt is in flight at `from`).
                let from = window.instant(sp.quiet(before: l.outerStart)), to = window.instant(l.outerEnd)
                var events: [String: [Int64]] = [:]
                for e in sp.spans where e.end >= from && e.end < to { events[e.key, default: []].append(e.end - e.start) }
                var lines: [String] = []
                for key in Set(live.keys).union(ho.keys).union(events.keys).sorted() {
                    var l = live[key] ?? [:]
                    let i = hi[key] ?? [:], o = ho[key] ?? [:], values = events[key] ?? []
                    // The zero-stamped exit lands in the last slot (2^19 µs and up).
                    if zeroStamped, let top = l.keys.max(), top >= 19, (o[top] ?? 0) < l[top]! {
                        print("irq differential: \(t.label): \(key): one sample in the live tool's last slot is an interrupt in flight at its attach, timed from a zero stamp; left out")
                        l[top]! -= 1
                    }
                    let c = Bracketed(key: key, live: Int64(total(l)), inner: Int64(total(i)), outer: Int64(total(o)))
                    if c.excess != 0 { problems.append("\(t.label): \(key): \(c.live) samples live, outside bpfan's window brackets [\(c.inner), \(c.outer)]") }
                    // bpfan's histogram is its events', exactly: then the live one is compared with the events.
                    if log2Histogram(values) != o.filter({ $0.value > 0 }) { problems.append("\(t.label): \(key): bpfan's outer-window histogram is not its events': bpfan \(render(o)), events \(render(log2Histogram(values)))") }
                    // Each event may read up to coldEntry shorter or warm longer live, the
                    // window edges may drop the outer-only events, and 2 more may be anywhere.
                    let spreads = values.map { Spread(value: $0, low: $0 - Self.coldEntryNs, high: $0 + Self.warmNs) }
                    let slack = Int(c.outer - c.inner) + Self.freeSamples + values.count / Self.tailOneIn
                    let v = compareHistogram(live: l, events: spreads, divisor: 1000, missed: slack)
                    lines.append("\(c.text): \(v.ok ? "within" : "beyond") each event's [-\(Self.coldEntryNs), +\(Self.warmNs)] ns (slack \(slack) samples)\(v.ok ? "" : String(format: "; %.0f ns more needed", v.neededNs ?? -1))")
                    if !v.ok {
                        problems.append("\(t.label): \(key): the live histogram is not bpfan's events read up to \(Self.coldEntryNs) ns shorter or \(Self.warmNs) ns longer (slack \(slack) samples): \(v.detail); \(v.neededNs.map { String(format: "%.0f ns more would be needed", $0) } ?? "no widening reconciles them")\n  live:  \(render(l))\n  inner: \(render(i))\n  outer: \(render(o))")
                    }
                }
                print("irq differential: \(t.label): \(lines.joined(separator: "; ")); \(edges)")
            }
        }
        return all
    }
}

/// A twin's comparison is the A/A measurement: printed, never failed.
private struct Problems {
    let record: Bool
    var list: [String] = []
    mutating func append(_ p: String) { if record { list.append(p) } else { print("irq differential: A/A (not failed): \(p)") } }
}
