import Foundation
import Glibc
import Testing
import TraceFormat

/// The recorder leaves out its own events, but a context switch from or to one of its threads
/// is also the other task's switch-in or switch-out: dropping it made run-queue latencies of
/// other tasks go missing (runqlat counted 1,139 samples where the live tool saw 1,604).
/// In the serialized RecorderTests suite: another recorder test's workload running beside it
/// once made it miss switch-ins under load.
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

        // Every wakeup of this thread is followed by its switch-in: runqlat's pairs are whole.
        let me = Int64(gettidNow())
        let myWakeups = (wakeups.ints["target_tid"] ?? []).filter { $0 == me }.count
        let mySwitchIns = (switches.ints["next_tid"] ?? []).filter { $0 == me }.count
        #expect(myWakeups >= 150, "expected about 200 wakeups of the sleeping thread, got \(myWakeups)")
        let lost = try Rows(file, "lost_events")
        let lostCount = (lost.ints["lost"] ?? []).reduce(0, +)
        #expect(mySwitchIns >= myWakeups, "\(mySwitchIns) switch-ins for \(myWakeups) wakeups; \(lostCount) events lost; \(stop.stderr)")
    }
}
