import TraceReport
import Testing
@testable import TraceTools

@Test func runqslowerDefaultThresholdPrintsOnlyTheHeader() throws {
    let out = try runTool(Runqslower.self, [try schedRecording()])
    #expect(out.stdout == """
    Tracing run queue latency higher than 10000 us
    TIME     COMM             TID           LAT(us)

    """)
}

@Test func runqslowerRowsAboveTheThresholdWithPreviousTask() throws {
    let path = try schedRecording()
    let out = try runTool(Runqslower.self, ["-P", path, "4"])
    // Waits 37, 5, 2 and 1500 us; strictly more than 4 us prints.
    #expect(out.stdout == """
    Tracing run queue latency higher than 4 us
    TIME     COMM             TID           LAT(us) PREV COMM        PREV TID
    22:06:40 app              101                37 swapper/0        0     
    22:06:40 child            201                 5 app              101   
    22:06:41 child            201              1500 app              101   

    """)
    let five = try runTool(Runqslower.self, ["5", path])
    #expect(five.stdout.components(separatedBy: "\n").count == 5)  // header ×2, 37 and 1500, final ""
    let tid = try runTool(Runqslower.self, ["-t", "101", path, "1"])
    #expect(tid.stdout.hasSuffix("""
    TIME     COMM             TID           LAT(us)
    22:06:40 app              101                37
    22:06:41 app              101                 2

    """))
    let pid = try runTool(Runqslower.self, ["-p", "200", path, "1"])
    #expect(pid.stdout.components(separatedBy: "\n").filter { $0.contains("child") }.count == 2)
}

@Test func runqslowerJSONAndErrors() throws {
    let path = try schedRecording()
    let json = try runTool(Runqslower.self, ["--json", "-P", path, "1000"])
    #expect(json.stdout.split(separator: "\n").dropFirst() == [#"{"type":"event","name":"runq","time_ns":1795990001301502000,"comm":"child","tid":201,"latency_ns":1500000,"prev_comm":"app","prev_tid":101}"#])
    let bad = try runTool(Runqslower.self, ["-p", "0", path])
    #expect(bad.failed && bad.stderr == ["bpfan runqslower: Invalid PID: 0"])
    let zero = try runTool(Runqslower.self, [path, "0"])
    #expect(zero.failed && zero.stderr == ["bpfan runqslower: invalid min_us '0': must be a positive integer"])
    let two = try runTool(Runqslower.self, [path, "1", "2"])
    #expect(two.failed)
}

/// libbpf-tools runqslower returns before deleting a stamp whose wait was within its threshold,
/// so a task switched in again with no wakeup or preemption in between (it did not block after
/// all) is measured from that old stamp: the live tool prints that wait, and so does bpfan.
/// runqlat deletes every stamp and has no such wait.
@Test func runqslowerMeasuresFromAStampItDidNotDelete() throws {
    let path = try schedRecording(extra: { s in
        func sw(_ t: Double, _ prev: (Int64, Int64, String), state: Int64, _ next: (Int64, Int64, String)) {
            s.add("sched_switch", ["ts": ns(t), "cpu": 1, "pid": .int(prev.1), "tid": .int(prev.0), "prev_comm": .string(prev.2), "prev_prio": 120,
                                   "prev_state": .int(state), "preempt": 0, "next_pid": .int(next.1), "next_tid": .int(next.0), "next_comm": .string(next.2), "next_prio": 120])
        }
        let idle: (Int64, Int64, String) = (0, 0, "swapper/1"), solo: (Int64, Int64, String) = (301, 300, "solo")
        s.add("sched_wakeup", ["ts": ns(2.0), "pid": 1, "tid": 1, "target_pid": 300, "target_tid": 301, "target_comm": "solo", "target_prio": 120])
        sw(2.00005, idle, state: 0, solo)      // waited 50 us: within 100, the stamp stays
        sw(2.1, solo, state: 1, idle)          // a blocking switch-out: no new stamp
        sw(2.105, idle, state: 0, solo)        // back without a wakeup: 105000 us from the old stamp
    })
    let out = try runTool(Runqslower.self, ["-p", "300", path, "100"])
    #expect(out.stdout.hasSuffix("22:06:42 solo             301            105000\n"), "\(out.stdout)")
    // At threshold 10 the first wait (50 us) prints and deletes its stamp: no second row.
    let low = try runTool(Runqslower.self, ["-p", "300", path, "10"])
    #expect(low.stdout.hasSuffix("22:06:42 solo             301                50\n"), "\(low.stdout)")
    #expect(try runTool(Runqlat.self, ["-p", "300", path]).stdout.contains("        32 -> 63         : 1 "))
}
