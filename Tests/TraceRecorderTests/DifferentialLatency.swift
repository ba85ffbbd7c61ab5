import Foundation
import TraceAnalysis

// The differential test's latency comparisons (biolatency, runqlat, cpudist, runqslower,
// syscount -L, offcputime): bpfan's per-event values from the recording against the live
// output, within the probe-order skew measured on the run (ProbeOrder.swift), and the error
// injection that shows they fail when bpfan is wrong.

/// Known errors put into bpfan's side (BPFAN_DIFF_INJECT, comma-separated): each must fail.
struct Injection {
    /// Latencies of 64 us and more read twice as long: one bucket up.
    var bucket = false
    /// The first workload row of bpfan's event tools missing.
    var missingRow = false
    /// The first workload row of bpfan's event tools printed twice.
    var extraRow = false
    /// One more call of one syscall in bpfan's syscount counts.
    var count = false
    /// bitesize.bt stopped (SIGSTOP) before the SIGINT: a live tool that never exits.
    var hang = false
    /// bitesize.bt's first SIGINT not sent, as bpftrace 0.17 loses one: the test must pass.
    var lostSigint = false
    /// The live offcputime's largest stack printed as "[Missed Kernel Stack]", as a stack map
    /// collision makes it: the test must pass.
    var missedStack = false

    static let fromEnvironment: Injection = {
        let words = Set((ProcessInfo.processInfo.environment["BPFAN_DIFF_INJECT"] ?? "").split(separator: ",").map(String.init))
        return Injection(bucket: words.contains("bucket"), missingRow: words.contains("missing-row"), extraRow: words.contains("extra-row"), count: words.contains("count"),
                         hang: words.contains("hang"), lostSigint: words.contains("lost-sigint"), missedStack: words.contains("missed-stack"))
    }()

    var any: Bool { bucket || missingRow || extraRow || count || hang || missedStack }
}

extension DiffSession {
    var recorderPid: Int32 { recorder?.process.processIdentifier ?? -1 }
    var pingerTgid: Int64 { Int64(pinger?.pid ?? -1) }

    /// What the mean run times of bpf_stats predict for tool `pid`, for the log: the programs
    /// behind the measured ranges.
    func modelNote(pid: Int32, start: [[String]], end: [[String]]) -> String {
        guard let s = probes.skew(tool: pid, recorder: recorderPid, start: start, end: end) else { return "bpf_stats: no program of the tool listed" }
        return "bpf_stats means predict \(s); \(s.explanation)"
    }

    /// The per-event ranges of `values` (after the injected error), or why there are none.
    func spreads(_ values: [TimedValue]) -> Result<[Spread], DiffFailure> {
        guard let marker else { return .failure(DiffFailure("the marker probe did not run: no per-event measurement, no tolerance")) }
        let inject = Injection.fromEnvironment
        return marker.spreads(values).map { r in
            lastUnmeasured = r.unmeasured
            return inject.bucket ? r.spreads.map { $0.value >= 64_000 ? Spread(value: 2 * $0.value, low: $0.low + $0.value, high: $0.high + $0.value) : $0 } : r.spreads
        }
    }

    /// "; N ends unmeasured ..." for the log, after `spreads`.
    var unmeasuredNote: String {
        lastUnmeasured == 0 ? "" : "; \(lastUnmeasured) ends the marker missed (a classic tracepoint nested in another BPF program) given the largest delay measured for their kind"
    }

    /// biolatency, runqlat, cpudist: bpfan's printed histogram is its engine's per-event
    /// values exactly, and the live histogram is those events within their measured ranges.
    func compareLatencyHistograms(_ t: DiffTool, live: String, bpfan: String, pid: Int32) -> String? {
        let values: [TimedValue]
        let start: [[String]], end: [[String]]
        do {
            guard let engine else { return "no engine values (the recording did not open)" }
            switch t.tool {
            case "biolatency":
                let queued = t.flags.contains("-Q")
                values = try engine.blockLatencies(disk: loopName, queued: queued, perFlag: t.flags.contains("-F"))
                start = queued ? [["block_rq_insert"], ["block_rq_issue"]] : [["block_rq_issue"]]
                end = [["block_rq_complete"]]
            case "runqlat":
                values = try engine.runQueueLatencies(tgid: pingerTgid)
                start = [["sched_wakeup"], ["sched_wakeup_new"], ["sched_switch"]]
                end = [["sched_switch"]]
            default: // cpudist
                values = try engine.cpuSpans(tgid: pingerTgid, offCPU: false)
                start = [["sched_switch"]]
                end = [["sched_switch"]]
            }
        } catch {
            return "reading the recording's values: \(error)"
        }
        var groups: [String: [Spread]] = [:]
        for (label, list) in Dictionary(grouping: values, by: \.group) {
            switch spreads(list) {
            case .success(let s): groups[label] = s
            case .failure(let f): return f.message
            }
        }
        let a = bccHistograms(live)
        var b = bccHistograms(bpfan)
        if Injection.fromEnvironment.bucket { b = groups.mapValues { log2Histogram($0.map(\.value)) } }
        if a.isEmpty || a.values.allSatisfy({ total($0) == 0 }) { return "the live tool printed no histogram of the workload" }
        var out: [String] = [], log: [String] = []
        for label in Set(a.keys).union(b.keys).union(groups.keys).sorted() {
            let x = (a[label] ?? [:]).filter { $0.value > 0 }, y = (b[label] ?? [:]).filter { $0.value > 0 }
            let events = groups[label] ?? []
            let name = label.isEmpty ? "histogram" : label
            let own = log2Histogram(events.map(\.value)).filter { $0.value > 0 }
            if y != own {
                out.append("\(name): bpfan's printed histogram is not the recording's \(events.count) values (the test's reading of the engine is off)\n  bpfan:  \(render(y))\n  values: \(render(own))")
                continue
            }
            let verdict = compareHistogram(live: x, events: events, missed: misses.count)
            if !verdict.ok {
                let used = verdict.neededNs.map { String(format: "one event %.2f us beyond its measured range", $0 / 1000) } ?? "no widening reconciles them"
                out.append("\(name): \(total(x)) live samples vs \(events.count) bpfan, \(used) (\(verdict.detail)); ranges \(describeSpread(events))\n  live:  \(render(x))\n  bpfan: \(render(y))")
            } else {
                log.append("\(name.isEmpty ? "" : name + ": ")\(events.count) samples, ranges \(describeSpread(events))\(unmeasuredNote)")
            }
        }
        if !out.isEmpty { return out.joined(separator: "\n") + "\n  \(modelNote(pid: pid, start: start, end: end))" }
        print("differential: \(t.label): histograms agree within each event's measured probe-order range (\(log.joined(separator: "; "))); \(missesNote); \(modelNote(pid: pid, start: start, end: end))")
        return nil
    }

    /// runqslower -p PID MIN: bpfan's rows are its engine's latencies above MIN exactly; each
    /// live row is one of those events within its measured range, and every event the live
    /// tool had to print is a live row.
    func compareRunqslowerRows(_ t: DiffTool, live: String, bpfan: String, pid: Int32, threshold: Int64) -> String? {
        let tid = String(pingerTgid)
        func lats(_ text: String) -> [Int64] { rows(text, fields: 4).filter { $0[2] == tid }.compactMap { Int64($0[3]) }.sorted() }
        let events: [Spread]
        do {
            switch spreads(try engine?.runQueueLatencies(tgid: pingerTgid, keepWithinMicros: threshold) ?? []) {
            case .success(let s): events = s
            case .failure(let f): return f.message
            }
        } catch { return "reading the recording's values: \(error)" }
        let a = lats(live)
        let printed = events.map { $0.value / 1000 }.filter { $0 > threshold }.sorted()
        let b = Injection.fromEnvironment.bucket ? printed : lats(bpfan)
        if b != printed { return "bpfan's rows are not the recording's latencies above \(threshold) us:\n  bpfan:  \(b)\n  values: \(printed)" }
        let note = modelNote(pid: pid, start: [["sched_wakeup"], ["sched_wakeup_new"], ["sched_switch"]], end: [["sched_switch"]])
        let verdict = compareEvents(liveUs: a, events: events, thresholdUs: threshold, missed: misses.count)
        if !verdict.ok {
            let used = verdict.neededNs.map { String(format: "%.2f us beyond the measured ranges", $0 / 1000) } ?? "no widening reconciles them"
            return "\(a.count) live rows, \(b.count) bpfan rows of tid \(tid), \(used): \(verdict.detail)\n  live:  \(a)\n  bpfan: \(b)\n  ranges \(describeSpread(events)); \(note)"
        }
        print("differential: \(t.label): \(a.count) live rows, \(b.count) bpfan rows; each live row is a recorded event within its measured range (\(describeSpread(events))\(unmeasuredNote)); \(verdict.detail.isEmpty ? "" : verdict.detail + "; ")\(missesNote); \(note)")
        return nil
    }

    /// syscount -L: counts exactly; bpfan's totals are the recording's durations; each live
    /// total lies within what the recorded calls allow.
    func compareSyscountLatency(_ t: DiffTool, live: String, bpfan: String, pid: Int32) -> String? {
        let a = syscountTable(live, columns: 3), b = syscountTable(bpfan, columns: 3)
        if a.isEmpty { return "the live tool counted no syscall of the pinger" }
        let calls: [String: [Spread]]
        do {
            guard let engine else { return "no engine values" }
            var byName: [String: [Spread]] = [:]
            for (name, list) in Dictionary(grouping: try engine.syscalls(tgid: pingerTgid), by: \.group) {
                switch spreads(list) {
                case .success(let s): byName[name] = s
                case .failure(let f): return "\(name): \(f.message)"
                }
            }
            calls = byName
        } catch { return "reading the recording's syscalls: \(error)" }
        var out: [String] = [], log: [String] = []
        for name in Set(a.keys).union(b.keys).sorted() {
            let x = a[name] ?? [0, 0], y = b[name] ?? [0, 0]
            if x[0] != y[0] {
                if x[0] < y[0] && missedExplains(Int(y[0] - x[0])) { log.append("\(name) \(Int(x[0])) live vs \(Int(y[0])) bpfan (\(missesNote))") } else { out.append("\(name): count \(Int(x[0])) live vs \(Int(y[0])) bpfan") }
                continue
            }
            let events = calls[name] ?? []
            let own = Double(events.map(\.value).reduce(0, +)) / 1000
            // An injected error is in bpfan's values: its printed total is taken as theirs.
            if events.count != Int(y[0]) || (abs(own - y[1]) > 0.001 && !Injection.fromEnvironment.bucket) {
                out.append("\(name): bpfan's row (\(Int(y[0])) calls, \(y[1]) us) is not the recording's \(events.count) calls (\(own) us)")
                continue
            }
            // Totals printed with 3 decimals.
            let verdict = compareTotal(liveUs: x[1], range: (Double(events.map(\.low).reduce(0, +)) / 1000, Double(events.map(\.high).reduce(0, +)) / 1000), roundingUs: 0.001)
            if verdict.ok { log.append("\(name) \(Int(x[0]))") } else {
                out.append("\(name): total latency \(x[1]) us live vs \(y[1]) us bpfan: \(verdict.detail); ranges \(describeSpread(events))")
            }
        }
        let note = modelNote(pid: pid, start: [["sys_enter"]], end: [["sys_exit"]])
        if !out.isEmpty { return out.joined(separator: "\n") + "\n  \(note)" }
        let all = calls.values.flatMap { $0 }
        print("differential: \(t.label): \(a.count) syscalls, counts identical, every total within what its recorded calls allow (\(log.joined(separator: ", "))); ranges \(describeSpread(all)); \(note)")
        return nil
    }

    /// The range offcputime's live total (µs) can take over the pinger's recorded off-CPU
    /// spans: each span read within its measured range and cut to whole microseconds, spans
    /// under 1 us dropped (its default --min-block-time); and bpfan's own total of the spans.
    func offcpuRange() -> Result<(low: Int64, high: Int64, spans: Int, bpfanUs: Int64, detail: String), DiffFailure> {
        let values: [TimedValue]
        do { values = try engine?.cpuSpans(tgid: pingerTgid, offCPU: true) ?? [] } catch { return .failure(DiffFailure("reading the recording's spans: \(error)")) }
        return spreads(values).map { s in
            func us(_ ns: Int64) -> Int64 { ns / 1000 >= 1 ? ns / 1000 : 0 }
            return (s.map { us($0.low) }.reduce(0, +), s.map { us($0.high) }.reduce(0, +), s.count, s.map { us($0.value) }.reduce(0, +), describeSpread(s))
        }
    }

    /// Two live instances of one tool: what the same physics does between them, for the log
    /// (the samples that crossed a bucket edge between the two).
    func aaReport(_ t: DiffTool, first: String, second: String) -> String {
        let a = bccHistograms(first), b = bccHistograms(second)
        var parts: [String] = []
        for label in Set(a.keys).union(b.keys).sorted() {
            let x = a[label] ?? [:], y = b[label] ?? [:]
            let top = (Array(x.keys) + Array(y.keys)).max() ?? 0
            var cx = 0, cy = 0, crossed = 0
            for k in 0...top { cx += x[k] ?? 0; cy += y[k] ?? 0; crossed = max(crossed, abs(cx - cy)) }
            parts.append("\(label.isEmpty ? "" : label + ": ")\(total(x)) vs \(total(y)) samples, at most \(crossed) on the other side of a bucket edge\(crossed > 0 ? " (\(render(x)) vs \(render(y)))" : "")")
        }
        return parts.joined(separator: "; ")
    }

    /// bpfan's output after the injected errors that work on its text (rows and counts).
    func inject(_ t: DiffTool, _ output: String) -> String {
        let inject = Injection.fromEnvironment
        guard inject.missingRow || inject.extraRow || inject.count else { return output }
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if inject.missingRow || inject.extraRow, ["opensnoop", "execsnoop", "exitsnoop", "tcplife"].contains(t.tool),
           let i = lines.firstIndex(where: { line in line.contains(tag + "-") || ports.contains { line.contains(" \($0) ") } }) {
            if inject.missingRow { lines.remove(at: i) } else { lines.insert(lines[i], at: i) }
        }
        if inject.count, t.tool == "syscount", !t.flags.contains("-P"),
           let i = lines.firstIndex(where: { syscountTable($0, columns: t.flags.contains("-L") ? 3 : 2).count == 1 }) {
            // SYSCALL COUNT [TIME]: the count one higher, the rest of the line as it was.
            var f = lines[i].split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            if let c = f.firstIndex(where: { Int($0) != nil }) { f[c] = String(Int(f[c])! + 1) }
            lines[i] = f.joined(separator: " ")
        }
        return lines.joined(separator: "\n")
    }
}

struct DiffFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
