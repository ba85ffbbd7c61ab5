import TraceAnalysis
import TraceReport

/// `sched_slices`: on-CPU slices (SchedSliceTracker).
struct SchedSlicesView: DerivedView {
    let name = "sched_slices"
    let columnNames = ["cpu", "ts", "end_ts", "dur", "pid", "tid", "comm", "prio", "end_state", "preempted"]

    func produce(_ r: SQLRecording, into sink: RowSink) throws {
        var t = SchedSliceTracker()
        func emit(_ s: SchedSliceTracker.Slice) throws {
            try sink.emit([
                .int(s.cpu), .u64(UInt64(bitPattern: s.start)), s.end.map { .u64(UInt64(bitPattern: $0)) } ?? .null, .int(s.end.map { $0 - s.start }),
                .int(s.pid), .int(s.tid), .text(s.comm), .int(s.prio),
                s.endState.map { .text(SchedSliceTracker.stateName($0, preempted: s.preempted)) } ?? .null, s.end == nil ? .null : .int(s.preempted ? 1 : 0),
            ])
        }
        try r.recording.scanMerged([ScanSource("sched_switch", SchedSliceTracker.columns)]) { m in
            if let s = t.apply(m) { try emit(s) }
        }
        for cpu in t.running.keys.sorted() { try emit(t.running[cpu]!) }
    }
}

/// `thread_states`: off-CPU spans with their wakeups (ThreadStateTracker).
struct ThreadStatesView: DerivedView {
    let name = "thread_states"
    let columnNames = ["ts", "end_ts", "dur", "pid", "tid", "comm", "state", "wakeup_ts", "runnable_ns", "waker_tid", "waker_cpu"]

    func produce(_ r: SQLRecording, into sink: RowSink) throws {
        var t = ThreadStateTracker()
        func emit(_ s: ThreadStateTracker.Span) throws {
            // Runnable from the wakeup, or from the switch-out itself when preempted (still R).
            let runnableFrom = s.state == 0 ? s.start : s.wakeup
            try sink.emit([
                .u64(UInt64(bitPattern: s.start)), s.end.map { .u64(UInt64(bitPattern: $0)) } ?? .null, .int(s.end.map { $0 - s.start }),
                .int(s.pid), .int(s.tid), .text(s.comm), .text(SchedSliceTracker.stateName(s.state, preempted: s.preempted)),
                s.wakeup.map { .u64(UInt64(bitPattern: $0)) } ?? .null, .int(s.end.flatMap { e in runnableFrom.map { e - $0 } }),
                .int(s.waker), .int(s.wakerCPU),
            ])
        }
        // Wakeups before the switch at an equal timestamp, as a wakeup precedes the switch-in it causes.
        let sources = [ScanSource("sched_wakeup", ThreadStateTracker.wakeupColumns), ScanSource("sched_wakeup_new", ThreadStateTracker.wakeupColumns),
                       ScanSource("sched_switch", ThreadStateTracker.switchColumns)]
        try r.recording.scanMerged(sources) { m in
            if m.source == 2 {
                if let s = t.switched(m) { try emit(s) }
            } else {
                t.wakeup(m)
            }
        }
        for tid in t.off.keys.sorted() { try emit(t.off[tid]!) }
    }
}

/// `tcp_connections`: TCP sessions as tcplife sees them (TcpLifeTracker, libbpf flavour).
struct TcpConnectionsView: DerivedView {
    let name = "tcp_connections"
    let columnNames = ["pid", "comm", "family", "laddr", "lport", "raddr", "rport", "start_ts", "end_ts", "duration", "tx_bytes", "rx_bytes", "skaddr"]

    func produce(_ r: SQLRecording, into sink: RowSink) throws {
        var t = TcpLifeTracker(flavor: .libbpf)
        try r.recording.scanMerged([TcpStateChange.source()]) { row in
            let e = TcpStateChange(TcpStateRow(row))
            guard let s = t.apply(e) else { return }
            let c = s.close
            try sink.emit([
                .int(s.pid), .text(s.comm), .int(Int64(c.family)), .text(c.localAddress), .int(Int64(c.sport)), .text(c.remoteAddress), .int(Int64(c.dport)),
                .u64(UInt64(bitPattern: s.birth)), .u64(UInt64(bitPattern: c.ts)), .int(s.span), .u64(c.bytesAcked), .u64(c.bytesReceived), .u64(c.skaddr),
            ])
        }
    }
}
