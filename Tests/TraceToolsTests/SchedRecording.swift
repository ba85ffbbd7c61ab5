import TraceReport
import TraceTestSupport
@testable import TraceTools

/// Scheduler events whose waits are known:
/// - 0.100000 tid 101 (pid 100 "app") woken; switched in at 0.100037 from the idle task: 37 us.
/// - 0.200000 tid 201 (pid 200 "child") woken new; switched in at 0.200005 as 101 sleeps: 5 us.
/// - 1.300000 101 woken; switched in at 1.300002 preempting 201 (state 0, preempt): 2 us.
/// - 1.301502 101 sleeps, 201 (queued again at its preemption) runs: 1500 us (libbpf-tools only).
/// - 1.400000 201 sleeps, the idle task runs: runqlat.bt counts the idle task, queued by its
///   voluntary switch-out at 0.100037: 1299963 us.
func schedRecording(extra: (SyntheticRecording) -> Void = { _ in }, lost: [(family: String, lost: Int64, at: Double)] = []) throws -> String {
    let s = SyntheticRecording()
    func wake(_ table: String, _ t: Double, _ tid: Int64, _ pid: Int64, _ comm: String) {
        s.add(table, ["ts": ns(t), "pid": 1, "tid": 1, "target_pid": .int(pid), "target_tid": .int(tid), "target_comm": .string(comm), "target_prio": 120])
    }
    func sw(_ t: Double, _ prev: (Int64, Int64, String), state: Int64, preempt: Int64 = 0, _ next: (Int64, Int64, String)) {
        s.add("sched_switch", ["ts": ns(t), "cpu": 0, "pid": .int(prev.1), "tid": .int(prev.0), "prev_comm": .string(prev.2), "prev_prio": 120,
                               "prev_state": .int(state), "preempt": .int(preempt),
                               "next_pid": .int(next.1), "next_tid": .int(next.0), "next_comm": .string(next.2), "next_prio": 120])
    }
    let idle: (Int64, Int64, String) = (0, 0, "swapper/0"), app: (Int64, Int64, String) = (101, 100, "app"), child: (Int64, Int64, String) = (201, 200, "child")
    wake("sched_wakeup", 0.1, 101, 100, "app")
    sw(0.100037, idle, state: 0, app)
    wake("sched_wakeup_new", 0.2, 201, 200, "child")
    sw(0.200005, app, state: 1, child)
    wake("sched_wakeup", 1.3, 101, 100, "app")
    sw(1.300002, child, state: 0, preempt: 1, app)
    sw(1.301502, app, state: 1, child)
    sw(1.4, child, state: 1, idle)
    extra(s)
    return try s.write(lost: lost)
}
