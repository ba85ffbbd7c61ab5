import Foundation
import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

/// naptime.bt over a synthetic recording: the request's timespec from the syscall_detail row of
/// nanosleep (arg0) and clock_nanosleep (arg2), a zero request filtered, and real_parent the
/// thread that forked the caller's process (a thread of bash here, not its main thread), which
/// a new thread inherits from its creator.
@Test func naptimeShowsNonZeroSleepsWithTheirParentThreads() throws {
    let s = SyntheticRecording()
    // The syscalls family's row per call: the recording holds syscalls.
    s.syscallNames = ["0": "read", "35": "nanosleep", "230": "clock_nanosleep"]
    s.add("syscall", ["ts": ns(0.1), "pid": 999, "tid": 999, "id": 0, "ret": 0])
    s.add("process_snapshot", ["ts": ns(0), "pid": 999, "tid": 999, "ppid": 1, "comm": "bash"])
    s.add("process_snapshot", ["ts": ns(0), "pid": 999, "tid": 1003, "ppid": 1, "comm": "jobs"])
    s.add("process_snapshot", ["ts": ns(0), "pid": 1000, "tid": 1000, "ppid": 999, "comm": "sleep"])
    s.add("process_fork", ["ts": ns(0.55), "pid": 999, "tid": 1003, "comm": "jobs", "child_pid": 1004, "child_tid": 1004])
    s.add("process_fork", ["ts": ns(0.85), "pid": 1004, "tid": 1004, "comm": "napper", "child_pid": 1004, "child_tid": 1005])
    func timespec(_ sec: Int64, _ nsec: Int64) -> [UInt8] {
        withUnsafeBytes(of: sec.littleEndian, Array.init) + withUnsafeBytes(of: nsec.littleEndian, Array.init)
    }
    func sleep(_ t: Double, pid: Int64, tid: Int64? = nil, comm: String, id: Int64 = 35, _ request: [UInt8]) {
        s.add("syscall_detail", ["ts": ns(t), "duration": 1_000_000, "pid": .int(pid), "tid": .int(tid ?? pid), "id": .int(id), "comm": .string(comm), "data": .bytes(request)])
    }
    sleep(0.5, pid: 1000, comm: "sleep", timespec(1, 500_000_000))
    sleep(0.6, pid: 1000, comm: "sleep", timespec(0, 0))             // a zero request: filtered
    sleep(0.7, pid: 1001, comm: "worker", timespec(0, 2_999_999))   // its parent is not in the recording
    sleep(0.8, pid: 1000, comm: "sleep", id: 230, timespec(5, 0))   // clock_nanosleep
    sleep(0.9, pid: 1004, comm: "napper", id: 230, timespec(0, 250_000_000))
    sleep(0.95, pid: 1004, tid: 1005, comm: "napper", timespec(0, 1_000_000))
    let out = try runTool(NaptimeBt.self, [try s.write()])
    #expect(!out.failed)
    #expect(out.stderr == [
        "bpfan naptime.bt: syscalls:sys_enter_nanosleep, syscalls:sys_enter_clock_nanosleep are served by the rows of calls that returned: calls still running when the recording stopped, exit and exit_group are not seen",
        "bpfan naptime.bt: curtask->real_parent: 1 event(s) of threads the process tables never gave a parent (not in the snapshot, forks or execs) read pid 0 and an empty comm",
    ])
    #expect(out.stdout == """
    Attaching 3 probes...
    Tracing sleeps. Hit Ctrl-C to end.
    TIME     PPID   PCOMM            PID    COMM             SECONDS
    22:06:40 999    bash             1000   sleep            1.500
    22:06:40 0                       1001   worker           0.002
    22:06:40 999    bash             1000   sleep            5.000
    22:06:40 1003   jobs             1004   napper           0.250
    22:06:40 1003   jobs             1004   napper           0.001



    """)
}

/// The dereferences a recording serves are exactly the listed ones: any other chain, and any
/// other struct cast, is refused naming it.
@Test(arguments: [
    ("t:syscalls:sys_enter_nanosleep { @[curtask->mm->owner] = count(); }", "program:1:36: curtask->mm->owner: the current task's memory is not in a recording; it serves curtask->pid, ->tgid, ->comm, ->real_parent->pid, ->real_parent->tgid, ->real_parent->comm, and ->se.cfs_rq->nr_running at profile probes (from the event, the process tables and the CPU samples)"),
    ("t:syscalls:sys_enter_nanosleep { @[curtask->se.cfs_rq->nr_running] = count(); }", "program:1:36: curtask->se->cfs_rq->nr_running: served at profile probes only, from the run-queue length each recorded CPU sample took"),
    ("t:syscalls:sys_enter_nanosleep { @[args->rmtp->tv_sec] = count(); }", "program:1:36: args->rmtp->tv_sec: the memory behind args->rmtp is not in the recording (it holds args->rqtp->tv_sec and ->tv_nsec of syscalls:sys_enter_nanosleep and sys_enter_clock_nanosleep: the timespec the syscalls family keeps)"),
    ("t:syscalls:sys_enter_nanosleep { $s = (struct sock *)curtask; @[$s] = count(); }", "program:1:39: (struct sock *)curtask: struct casts read kernel memory, which a recording does not hold (served: (struct task_struct *)curtask, through curtask->pid, ->tgid, ->comm, ->real_parent->pid, ->real_parent->tgid, ->real_parent->comm, and ->se.cfs_rq->nr_running at profile probes; the struct arguments of the kprobes --map-kprobes serves, through the fields their tracepoints recorded)"),
    ("t:syscalls:sys_enter_nanosleep { $t = curtask; @[$t] = count(); }", "program:1:50: $t points into curtask, whose memory is not in a recording: read its fields (curtask->pid, ->tgid, ->comm, ->real_parent->pid, ->real_parent->tgid, ->real_parent->comm, and ->se.cfs_rq->nr_running at profile probes)"),
    ("BEGIN { printf(\"%d\\n\", curtask->real_parent->pid); }", "program:1:24: curtask->real_parent->pid in BEGIN, END or interval would be bpftrace's own task, which a recording does not have"),
    ("t:syscalls:sys_enter_nanosleep { @[@m->x] = count(); }", "program:1:36: @m->x: dereferences memory a recording does not hold (served: args-> fields of recorded tracepoints, args->rqtp->tv_sec and ->tv_nsec of nanosleep and clock_nanosleep, ((struct request *)arg0)->q->disk->disk_name of the mapped block kprobes, curtask->pid, ->tgid, ->comm, ->real_parent->pid, ->real_parent->tgid, ->real_parent->comm, and ->se.cfs_rq->nr_running at profile probes)"),
])
func unservedDereferencesAreNamed(program: String, message: String) throws {
    let s = SyntheticRecording()
    s.add("process_snapshot", ["ts": ns(0), "pid": 1000, "tid": 1000, "ppid": 1, "comm": "sleep"])
    s.syscallNames = ["35": "nanosleep"]
    s.add("syscall", ["ts": ns(0.5), "duration": 1000, "pid": 1000, "tid": 1000, "id": 35, "ret": 0])
    s.add("syscall_detail", ["ts": ns(0.5), "duration": 1000, "pid": 1000, "tid": 1000, "id": 35, "comm": "sleep"])
    let r = try runTool(Bt.self, ["-e", program, try s.write()])
    #expect(r.failed)
    #expect(r.stderr.last == "bpfan bt: \(message)", "\(r.stderr)")
}
