import Foundation
import TraceFormat
import TraceStatistics
import TraceTestSupport
@testable import TraceTools

/// A stack of a synthetic profile: its task, kernel frames (innermost first) and their names.
struct SyntheticStack {
    var comm: String
    var tid: Int64
    var kernel: [UInt64]
    /// Folded, as compare names it: `comm;outer_[k];inner_[k]`.
    var folded: String
}

extension CompareRecordings {
    static let stackSymbols = """
    ffffffff81000000 T _stext
    ffffffff81100000 T schedule
    ffffffff81200000 T do_nanosleep
    ffffffff81300000 T ext4_sync_file
    ffffffff81400000 T __x64_sys_getpid
    ffffffff81500000 T do_syscall_64
    ffffffff81600000 T _etext

    """

    /// The stacks the loads' ids pick (0...3).
    static let stacks = [
        SyntheticStack(comm: "app", tid: 101, kernel: [0xffff_ffff_8110_0010, 0xffff_ffff_8120_0010], folded: "app;do_nanosleep_[k];schedule_[k]"),
        SyntheticStack(comm: "db", tid: 201, kernel: [0xffff_ffff_8110_0010, 0xffff_ffff_8130_0010], folded: "db;ext4_sync_file_[k];schedule_[k]"),
        SyntheticStack(comm: "spin", tid: 301, kernel: [0xffff_ffff_8140_0010, 0xffff_ffff_8150_0010], folded: "spin;do_syscall_64_[k];__x64_sys_getpid_[k]"),
        SyntheticStack(comm: "cron", tid: 401, kernel: [0xffff_ffff_8110_0010, 0xffff_ffff_8150_0010], folded: "cron;do_syscall_64_[k];schedule_[k]"),
    ]

    /// cpu-clock samples (49 Hz recorded) of each load's stack at its events' times: a load's
    /// rate is its stack's samples per second. Kernel-mode samples: profile counts the IP
    /// twice, so the folded name repeats the innermost frame.
    static func profile(_ loads: [SyntheticLoad], seed: UInt64) throws -> String {
        let s = recording()
        s.stackFrequency = 49
        s.metadata[MetadataName.kernelSymbols] = Array(stackSymbols.utf8)
        var rng = SeededRandom(seed: seed)
        var rows: [(Double, SyntheticStack)] = []
        for load in loads { rows += load.events(seconds: seconds - 0.01, &rng).map { ($0.t, stacks[Int(load.id)]) } }
        for (t, st) in rows.sorted(by: { $0.0 < $1.0 }) {
            s.add("cpu_sample", ["ts": ns(t), "cpu": 0, "pid": .int(st.tid), "tid": .int(st.tid), "comm": .string(st.comm),
                                 "kstack": le(st.kernel), "ustack": le([]), "runq_len": 1])
        }
        return try s.write()
    }

    /// Each load's thread blocking in its stack (prev_state 1, a stack row) at its events'
    /// times for its values' ns, then switched back in; arrivals while blocked are skipped.
    static func offcpu(_ loads: [SyntheticLoad], seed: UInt64) throws -> String {
        let s = recording()
        s.metadata[MetadataName.kernelSymbols] = Array(stackSymbols.utf8)
        var rng = SeededRandom(seed: seed)
        var rows: [(Double, String, [String: ColumnValue])] = []
        for load in loads {
            let st = stacks[Int(load.id)]
            var busyUntil = 0.0
            // To the end: an interval without spans would read as noise in the rates.
            for e in load.events(seconds: seconds - 0.05, &rng) where e.t > busyUntil {
                let back = e.t + Double(e.value) / 1e9
                busyUntil = back
                rows.append((e.t, "offcpu_stack", ["ts": ns(e.t), "pid": .int(st.tid), "tid": .int(st.tid), "comm": .string(st.comm),
                                                   "kstack": le(st.kernel), "ustack": le([]), "state": 1]))
                rows.append((e.t, "sched_switch", ["ts": ns(e.t), "pid": .int(st.tid), "tid": .int(st.tid), "prev_comm": .string(st.comm), "prev_state": 1,
                                                   "preempt": 0, "next_pid": 0, "next_tid": 0, "next_comm": "swapper/0"]))
                rows.append((back, "sched_switch", ["ts": ns(back), "pid": 0, "tid": 0, "prev_comm": "swapper/0", "prev_state": 0,
                                                    "preempt": 1, "next_pid": .int(st.tid), "next_tid": .int(st.tid), "next_comm": .string(st.comm)]))
            }
        }
        for (_, table, row) in rows.sorted(by: { $0.0 < $1.0 }) { s.add(table, row) }
        return try s.write()
    }
}
