import Foundation
import Glibc
import Testing
import TraceFormat

/// The recorder leaves out its own events, but a context switch from or to one of its threads
/// is also the other task's switch-in or switch-out: dropping it made run-queue latencies of
/// other tasks go missing (runqlat counted 1,139 samples where the live tool saw 1,604).
/// In the serialized RecorderTests suite.
extension RecorderTests {
    @Test func switchesWithTheRecorderKeepTheOtherTask() throws {
        let path = Harness.tempPath("schedfilter")
        defer { unlink(path) }
        let run = try RecorderRun(path: path, arguments: ["--families", "sched", "--flush-interval", "200"])
        #expect(run.waitReady())
        // Sleep in short steps so that this thread is woken and switched in many times.
        for _ in 0..<200 { usleep(2_000) }
        let stop = run.stop()
        #expect(stop.status == 0, "\(stop.stderr)")
        let recorder = Int64(run.process.processIdentifier)
        let file = try TraceFile(path: path)
        let switches = try Rows(file, "sched_switch")
        let prev = switches.ints["pid"] ?? [], next = switches.ints["next_pid"] ?? []
        var withRecorder = 0, recorderOnly = 0
        for i in 0..<switches.count {
            let a = prev[i] == recorder, b = next[i] == recorder
            if a && b { recorderOnly += 1 } else if a || b { withRecorder += 1 }
        }
        #expect(recorderOnly == 0, "switches between two recorder threads are the recorder's own")
        #expect(withRecorder > 0, "switches from or to the recorder must be kept for the other task")

        let wakeups = try Rows(file, "sched_wakeup")
        let targets = wakeups.ints["target_pid"] ?? []
        #expect(!targets.contains(recorder), "wakeups of the recorder are its own")

        // Every wakeup of this thread while it is switched out is followed by its switch-in:
        // runqlat's pairs are whole. Not "as many switch-ins as wakeups": some tasks' events are
        // never reported to BPF on these machines (the threads of pid 1, the VM's own agent:
        // not one sched_switch with one of them as prev reaches bpfrec, bpftrace or a perf
        // counter filtered on prev_pid), so when one of them ran on a CPU before this thread,
        // the switch from it to this thread is missing, and often the wakeup before it too
        // (the timer's interrupt hit that thread). Measured: 19 such gaps in 60 runs of this loop (12,000
        // sleeps), 3 of them a wakeup then a switch-out with no switch-in between (what failed
        // "199 switch-ins for 200 wakeups"), each after a pid 1 thread on that CPU; no wakeup of
        // a running task (ttwu_runnable), none near the stop, no lost events. Such a gap is
        // told from a loss by bpfrec exactly: the last switch recorded on that CPU before this
        // thread's next switch-out put another task there, one never recorded switching out
        // (a task that was really recorded loses a switch-in only if bpfrec drops it).
        let me = Int64(gettidNow())
        let reportedOut = Set(switches.ints["tid"] ?? [])
        var byCPU: [Int64: [Int]] = [:]
        for i in 0..<switches.count { byCPU[switches.int("cpu", i), default: []].append(i) }
        for k in byCPU.keys { byCPU[k]!.sort { switches.int("ts", $0) < switches.int("ts", $1) } }
        /// For a switch-out of this thread (row `i`) not preceded by its switch-in: true when the
        /// switch-in was never reported, false when bpfrec lost it.
        func unreportedSwitchIn(beforeRow i: Int) -> Bool {
            guard let rows = byCPU[switches.int("cpu", i)], let at = rows.firstIndex(of: i), at > 0 else { return false }
            let before = rows[at - 1]
            let ran = switches.int("next_tid", before)
            return ran != me && switches.int("next_pid", before) != recorder && !reportedOut.contains(ran)
        }
        // This thread's events in time order: wakeups, switch-ins and switch-outs.
        enum Kind { case wakeup, switchIn, switchOut }
        var mine: [(ts: Int64, kind: Kind, row: Int)] = []
        for i in 0..<switches.count {
            if switches.int("tid", i) == me { mine.append((switches.int("ts", i), .switchOut, i)) }
            if switches.int("next_tid", i) == me { mine.append((switches.int("ts", i), .switchIn, i)) }
        }
        for i in 0..<wakeups.count where wakeups.int("target_tid", i) == me { mine.append((wakeups.int("ts", i), .wakeup, i)) }
        mine.sort { $0.ts < $1.ts }
        var myWakeups = 0, paired = 0, unreported = 0
        var lostPairs: [String] = []
        var switchedOut = false
        for (j, e) in mine.enumerated() {
            switch e.kind {
            case .switchIn: switchedOut = false
            case .switchOut:
                switchedOut = true
            case .wakeup:
                myWakeups += 1
                guard switchedOut else { continue }
                // The next switch of this thread after a wakeup that found it switched out.
                let after = mine[(j + 1)...].first { $0.kind != .wakeup }
                if after?.kind == .switchIn { paired += 1; continue }
                if let a = after, unreportedSwitchIn(beforeRow: a.row) { unreported += 1; continue }
                lostPairs.append("wakeup at \(e.ts) then \(after.map { "switch-out at \($0.ts)" } ?? "end of recording")")
            }
        }
        // Two switch-outs in a row are a lost switch-in too, with or without a wakeup recorded.
        var lostIns: [Int64] = []
        var lastSwitch: Kind?
        for e in mine where e.kind != .wakeup {
            if e.kind == .switchOut && lastSwitch == .switchOut && !unreportedSwitchIn(beforeRow: e.row) { lostIns.append(e.ts) }
            lastSwitch = e.kind
        }
        #expect(myWakeups >= 150, "expected about 200 wakeups of the sleeping thread, got \(myWakeups)")
        let lost = try Rows(file, "lost_events")
        let lostCount = (lost.ints["lost"] ?? []).reduce(0, +)
        #expect(lostPairs.isEmpty, "\(lostPairs.count) of \(myWakeups) wakeups lack their switch-in (\(paired) paired, \(unreported) after an unreported switch): \(lostPairs.prefix(5)); \(lostCount) events lost; \(stop.stderr)")
        #expect(lostIns.isEmpty, "switch-outs at \(lostIns.prefix(5)) follow a switch-out with no switch-in between; \(lostCount) events lost")
    }
}
