import CLibBPF
import Foundation
import Glibc

// Probe order on shared tracepoints, measured: the tolerance of every latency comparison of the
// differential test comes from here, not from a chosen percentage.
//
// Programs attached to one tracepoint run one after another, each taking its own timestamp, so
// a program's timestamp includes the run time of every program before it. bpfrec attaches
// first; for a live tool L its timestamp at a tracepoint x is bpfrec's plus D(x), the run time
// of what runs between them: the rest of bpfrec's program, the programs attached between the
// two, and L's own program up to its clock read. A latency from x to y then reads, live,
// bpfan's value + D(y) - D(x). With kernel.bpf_stats on during the run, each program's mean run
// time bounds D(x) from below (the programs known to run between the two: raw_tp/tp_btf probes
// run in link order) and from above (bpfrec's and L's whole programs and every program whose
// place is unknown: classic tracepoints run inside one perf probe whose place among the raw_tp
// probes is not shown).

/// Keeps kernel.bpf_stats on while it lives (BPF_ENABLE_STATS: the kernel turns the stats off
/// again when the descriptor closes, even if the test dies).
final class BPFRunTimeStats {
    private let fd: Int32

    init?() {
        fd = bpf_enable_stats(BPF_STATS_RUN_TIME)
        if fd < 0 { return nil }
    }

    deinit { close(fd) }
}

/// One BPF program on one tracepoint, from bpftool's perf, link and prog listings.
struct AttachedProgram: Equatable {
    var progID: Int
    var pid: Int32
    /// raw_tracepoint (tp_btf, raw_tp: one probe each, in link order) or tracepoint (classic,
    /// run inside the tracepoint's perf probe).
    var rawTracepoint: Bool
    /// The link's id: its creation order, for raw tracepoints; nil when it has no link.
    var linkID: Int?
    var name: String
    var meanNs: Double
    var runs: Int
    /// Runs the kernel skipped: a classic tracepoint's program is not run when it would nest
    /// in another BPF program on its CPU (an interrupt during one), a raw_tp one when it
    /// would nest in itself.
    var misses: Int
}

/// Every BPF program on every tracepoint at one moment.
struct ProbeTable {
    /// tracepoint name (bpftool's: "sched_switch", "sys_enter", "sys_enter_openat") -> programs.
    var byTracepoint: [String: [AttachedProgram]] = [:]

    /// Reads bpftool's JSON listings (bpftool is one of make's Debian packages).
    static func read() throws -> ProbeTable {
        func json(_ args: [String]) throws -> [[String: Any]] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: ["/usr/sbin/bpftool", "/sbin/bpftool", "/usr/bin/bpftool"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/bpftool")
            p.arguments = args + ["-j"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
                throw SpawnedProcess.SpawnError(message: "bpftool \(args.joined(separator: " ")) -j printed no JSON list")
            }
            return list
        }
        var progs: [Int: (name: String, runTime: Int, runs: Int, misses: Int)] = [:]
        for p in try json(["prog", "show"]) {
            guard let id = p["id"] as? Int else { continue }
            progs[id] = (p["name"] as? String ?? "?", p["run_time_ns"] as? Int ?? 0, p["run_cnt"] as? Int ?? 0, p["recursion_misses"] as? Int ?? 0)
        }
        var linkOf: [Int: Int] = [:]
        for l in try json(["link", "show"]) {
            if let prog = l["prog_id"] as? Int, let id = l["id"] as? Int { linkOf[prog] = id }
        }
        var table = ProbeTable()
        for a in try json(["perf", "show"]) {
            guard let prog = a["prog_id"] as? Int, let tp = a["tracepoint"] as? String, let pid = a["pid"] as? Int else { continue }
            let kind = a["fd_type"] as? String ?? ""
            guard kind == "raw_tracepoint" || kind == "tracepoint" else { continue }
            let info = progs[prog] ?? ("?", 0, 0, 0)
            let entry = AttachedProgram(progID: prog, pid: Int32(pid), rawTracepoint: kind == "raw_tracepoint", linkID: linkOf[prog], name: info.name,
                                        meanNs: info.runs > 0 ? Double(info.runTime) / Double(info.runs) : 0, runs: info.runs, misses: info.misses)
            // One program held by two descriptors (a process and a thread of it) counts once.
            if !(table.byTracepoint[tp]?.contains { $0.progID == prog } ?? false) { table.byTracepoint[tp, default: []].append(entry) }
        }
        return table
    }

    /// The events the programs of process `pid` were not run for (their recursion_misses).
    func misses(of pid: Int32) -> (count: Int, programs: [String]) {
        var seen = Set<Int>(), n = 0, names: [String] = []
        for (tp, list) in byTracepoint {
            for p in list where p.pid == pid && p.misses > 0 && seen.insert(p.progID).inserted {
                n += p.misses
                names.append("\(p.name) on \(tp): \(p.misses)")
            }
        }
        return (n, names.sorted())
    }

    /// Bounds of D(x) in ns for the live tool `tool` (its pid), bpfrec being `recorder`, for an
    /// event that fires every tracepoint of `points` (a syscall fires sys_enter and its
    /// per-syscall twin). nil when the tool has no program there.
    func delay(tool: Int32, recorder: Int32, at points: [String]) -> (low: Double, high: Double)? {
        var low = 0.0, high = 0.0, found = false
        for tp in points {
            let all = byTracepoint[tp] ?? []
            let mine = all.filter { $0.pid == tool }, recorders = all.filter { $0.pid == recorder }
            if !mine.isEmpty { found = true }
            let others = all.filter { $0.pid != tool && $0.pid != recorder }
            let firstMine = mine.allSatisfy(\.rawTracepoint) ? mine.compactMap(\.linkID).min() : nil
            let lastRecorder = recorders.compactMap(\.linkID).max() ?? 0
            var here = 0.0, known = 0.0
            for p in others {
                if p.rawTracepoint, let l = p.linkID, let m = firstMine {
                    // Known to run between bpfrec's probe and the tool's, or known not to.
                    if l > lastRecorder && l < m { known += p.meanNs; here += p.meanNs }
                } else if p.rawTracepoint, let l = p.linkID, l < lastRecorder {
                    // Before bpfrec: never between.
                } else {
                    here += p.meanNs
                }
            }
            here += recorders.map(\.meanNs).reduce(0, +) + mine.map(\.meanNs).reduce(0, +)
            // A tool whose probe came before bpfrec's (it should not: bpfrec attaches first)
            // may read its clock earlier as well as later.
            if let m = firstMine, m < lastRecorder { known = -here }
            low += known
            high += here
        }
        return found ? (low, high) : nil
    }

    /// The interval of (bpfan's value - the live tool's) in ns for a latency from an event of
    /// `start` to one of `end` (each a list of alternatives: a run-queue wait starts at a wakeup,
    /// a new task's wakeup or a preemption): D(start) - D(end), over every alternative.
    func skew(tool: Int32, recorder: Int32, start: [[String]], end: [[String]]) -> Skew? {
        let s = start.compactMap { delay(tool: tool, recorder: recorder, at: $0) }
        let e = end.compactMap { delay(tool: tool, recorder: recorder, at: $0) }
        guard !s.isEmpty, !e.isEmpty else { return nil }
        let low = s.map(\.low).min()! - e.map(\.high).max()!, high = s.map(\.high).max()! - e.map(\.low).min()!
        return Skew(low: low, high: high, explanation: explain(tool: tool, recorder: recorder, points: Array(Set((start + end).flatMap { $0 })).sorted()))
    }

    /// The programs on `points` and their mean run times, for the log beside each comparison.
    func explain(tool: Int32, recorder: Int32, points: [String]) -> String {
        points.compactMap { tp -> String? in
            guard let all = byTracepoint[tp], !all.isEmpty else { return nil }
            let list = all.sorted { ($0.linkID ?? Int.max, $0.progID) < ($1.linkID ?? Int.max, $1.progID) }.map { p in
                let who = p.pid == recorder ? "bpfrec" : p.pid == tool ? "this tool" : p.name
                return "\(who)\(p.rawTracepoint ? "" : "(perf)") \(String(format: "%.0f", p.meanNs))"
            }
            return "\(tp): \(list.joined(separator: ", ")) ns"
        }.joined(separator: "; ")
    }
}

/// The interval (ns) that bpfan's value minus the live tool's may take for one event.
struct Skew: CustomStringConvertible {
    var low: Double
    var high: Double
    var explanation = ""

    static let zero = Skew(low: 0, high: 0)

    /// Widened by `ns` on both sides (what the A/A run showed beyond the model, or a rounding).
    func widened(by ns: Double) -> Skew { Skew(low: low - ns, high: high + ns, explanation: explanation) }

    var description: String { String(format: "[%+.2f, %+.2f] us", low / 1000, high / 1000) }
}
