import Foundation
import Glibc
import Testing
import TraceAnalysis
import TraceFormat

// The irq and signal differential sessions (IrqDifferentialTests.swift): bpfrec and live
// libbpf-tools over one workload, each live tool's window measured on the recording's clock so
// that bpfan can be asked about the same window after the fact.

/// CLOCK_MONOTONIC in ns: bpf_ktime_get_ns's clock, so the recording's.
func monotonicNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// A live tool whose counting window is bracketed by instants the test saw: it counts from
/// its attach, somewhere in [outerStart, innerStart], to its map read after SIGINT, somewhere
/// in [innerEnd, outerEnd]. So every event inside [innerStart, innerEnd] is in its output and
/// none outside [outerStart, outerEnd] is: the window edges bound what it may differ by,
/// instead of a tolerance.
final class TimedLiveTool {
    let tool: DiffTool
    let process: SpawnedProcess
    private(set) var outerStart: Int64 = 0
    private(set) var innerStart: Int64 = 0
    private(set) var innerEnd: Int64 = 0
    private(set) var outerEnd: Int64 = 0

    /// Starts the tool (`waitAttached` then waits for its attach).
    init(_ tool: DiffTool, dir: String) throws {
        self.tool = tool
        let out = "\(dir)/live.\(tool.fileName)"
        outerStart = monotonicNow()
        process = try SpawnedProcess(tool.liveArgv, out: out, err: out + ".err")
    }

    /// Polls every millisecond: the last instant it held no bpf_link (before its attach: the
    /// read came after it), and the first instant it held all it holds once its banner is out
    /// (after its attach). The banner is printed after attaching.
    func waitAttached(timeout: Double = 90) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var firstFull: [Int: Int64] = [:]
        var lastNone = outerStart
        while Date() < deadline {
            let before = monotonicNow()
            let links = process.bpfLinks
            let after = monotonicNow()
            if links == 0 { lastNone = before } else if firstFull[links] == nil { firstFull[links] = after }
            if let marker = tool.attached, process.output.contains(marker), links > 0 {
                let final = process.bpfLinks
                outerStart = lastNone
                innerStart = firstFull[final] ?? monotonicNow()
                return nil
            }
            if !process.isRunning {
                return "\(tool.label): exited before attaching (status \(process.status ?? -1)): \(process.errors.suffix(300))"
            }
            usleep(1000)
        }
        return "\(tool.label): did not attach within \(Int(timeout)) s: \(process.errors.suffix(300))"
    }

    func interrupt() {
        innerEnd = monotonicNow()
        kill(process.pid, SIGINT)
    }

    /// Waits for the exit after `interrupt`: the map was read before it.
    func reap(timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.wait(timeout: 0)
                return false
            }
            usleep(1000)
        }
        outerEnd = monotonicNow()
        return true
    }
}

/// A recording's start (bpfan's --from/--to count seconds from it) and `--from A --to B` for
/// monotonic instants.
struct WindowArgs {
    let recordingStart: Int64

    init(recording: String) throws { recordingStart = try Recording(path: recording).startTime }

    func args(from: Int64, to: Int64) -> [String] { ["--from", seconds(from), "--to", seconds(to)] }

    /// The instant bpfan reads `seconds(t)` as (TimeSpec: the start plus the seconds, rounded
    /// to ns), so that events counted here are those bpfan's window holds.
    func instant(_ t: Int64) -> Int64 { recordingStart + Int64((Double(seconds(t))! * 1e9).rounded()) }

    private func seconds(_ t: Int64) -> String { String(format: "%.9f", Double(max(0, t - recordingStart)) / 1e9) }
}

/// Per-CPU spans [entry, exit] of one kind of interrupt, from a recording: where a window may
/// begin without cutting one in two. bpfan, like the live tool, keeps one start stamp per CPU;
/// an exit whose entry lies before `--from` would be timed from a zero stamp (as the live tool
/// would, had it attached inside that interrupt), so window starts are moved to an instant
/// when no CPU is inside one.
struct InterruptSpans {
    /// `key`: the handler's name (hard irqs) or the vector's (soft irqs), as the tools print it.
    var spans: [(start: Int64, end: Int64, cpu: Int64, key: String)] = []

    init(recording: String, entry: String, exit: String, key: (Rows, Int) -> String) throws {
        let file = try TraceFile(path: recording)
        let e = try Rows(file, entry), x = try Rows(file, exit)
        var byCPU: [Int64: [(ts: Int64, exit: Int?)]] = [:]
        for r in 0..<e.count { byCPU[e.int("cpu", r), default: []].append((e.int("ts", r), nil)) }
        for r in 0..<x.count { byCPU[x.int("cpu", r), default: []].append((x.int("ts", r), r)) }
        for (cpu, events) in byCPU {
            var open: Int64?
            for ev in events.sorted(by: { $0.ts < $1.ts }) {
                if let r = ev.exit {
                    if let o = open { spans.append((o, ev.ts, cpu, key(x, r))) }
                    open = nil
                } else {
                    open = ev.ts
                }
            }
        }
        spans.sort { $0.start < $1.start }
    }

    /// The first instant at or after `t` inside no span.
    func quiet(after t: Int64) -> Int64 {
        var t = t
        var moved = true
        while moved {
            moved = false
            for s in spans where s.start <= t && t <= s.end { t = s.end + 1; moved = true }
        }
        return t
    }

    /// The last instant at or before `t` inside no span.
    func quiet(before t: Int64) -> Int64 {
        var t = t
        var moved = true
        while moved {
            moved = false
            for s in spans where s.start <= t && t <= s.end { t = s.start - 1; moved = true }
        }
        return t
    }
}
