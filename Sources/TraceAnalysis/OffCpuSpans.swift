/// The off-CPU spans of a recording, each with the stacks its thread had when it switched out:
/// sched_switch rows paired by `OffCpuTracker`, joined with the offcpu_stack rows that the
/// recorder's second program on the same tracepoint wrote. Written once for every tool that
/// charges off-CPU time to a blocked stack (offcputime, offwaketime).
public struct OffCpuSpans {
    /// bcc's THREAD_FILTER and STATE_FILTER on the task switched out.
    public struct Filter: Sendable {
        /// Processes and threads to keep (offwaketime takes lists; nil: any).
        public var pids: Set<Int64>?
        public var tids: Set<Int64>?
        public var userThreadsOnly = false
        public var kernelThreadsOnly = false
        public var state: Int64?
        /// How --state is tested: libbpf-tools offcputime wants the whole state equal to it
        /// (`get_task_state(t) != state`), bcc's Python tools (offwaketime) a shared bit
        /// (`state & STATE`, or `== 0` for 0).
        public enum StateMatch: Sendable { case equal, bitmask }
        public var stateMatch: StateMatch
        public init(pids: Set<Int64>? = nil, tids: Set<Int64>? = nil, userThreadsOnly: Bool = false, kernelThreadsOnly: Bool = false,
                    state: Int64? = nil, stateMatch: StateMatch = .equal) {
            self.stateMatch = stateMatch
            self.pids = pids
            self.tids = tids
            self.userThreadsOnly = userThreadsOnly
            self.kernelThreadsOnly = kernelThreadsOnly
            self.state = state
        }

        /// A kernel thread is one with no user stack: the recording has no PF_KTHREAD flag, and
        /// the live tool's user stack of a kernel thread is empty too.
        public func records(tgid: Int64, tid t: Int64, prevState: Int64, userStack: [UInt64]) -> Bool {
            if let pids, !pids.contains(tgid) { return false }
            if let tids, !tids.contains(t) { return false }
            if userThreadsOnly && userStack.isEmpty { return false }
            if kernelThreadsOnly && !userStack.isEmpty { return false }
            if let state {
                switch stateMatch {
                case .equal: return prevState == state
                case .bitmask: return state == 0 ? prevState == 0 : prevState & state != 0
                }
            }
            return true
        }

        /// The filter on a sleeping task at its wakeup (bcc's waker() tests THREAD_FILTER and
        /// STATE_FILTER on the wakee): its state is the one it switched out with; -u/-k, which
        /// need its user stack, are left to its span.
        public func takesWakeup(tgid: Int64, tid t: Int64, state: Int64) -> Bool {
            records(tgid: tgid, tid: t, prevState: state, userStack: userThreadsOnly ? [1] : [])
        }

        var needsUserStack: Bool { userThreadsOnly || kernelThreadsOnly }
    }

    /// One span: the thread switched out at `start` and back in at `end`; `key` is nil when
    /// the recording has no stack for that switch-out.
    public struct Span: Sendable {
        public var tid: Int64
        public var key: OffCpuTracker.Key?
        public var start: Int64
        public var end: Int64
        public var duration: Int64 { end &- start }
    }

    /// The sources the scan reads; a caller's own sources follow them, numbered from this.
    public static let sourceCount = 2

    public var filter: Filter
    /// Kernel frames of the recorder's own program and the tracepoint glue that ran it are
    /// removed from the top of kernel stacks unless this is set (needs `ksyms` to tell them).
    public var tracerFrames: Bool
    public var ksyms: KernelSymbols?
    /// Rows at or after this are not read (the live tools' duration).
    public var end: Int64?

    public init(filter: Filter, tracerFrames: Bool, ksyms: KernelSymbols?, end: Int64?) {
        self.filter = filter
        self.tracerFrames = tracerFrames
        self.ksyms = ksyms
        self.end = end
    }

    /// Calls `span` as each span ends (in time order) and `extra` with the rows of `sources`
    /// (their `source` numbered from `sourceCount`), merged in time order with the rows the
    /// spans come from; `switchedOut` sees every switch-out before the filter (tgid, tid, state).
    /// Returns the threads that had a stack row (what `StacklessSpans.warning` needs).
    @discardableResult
    public func scan(_ rec: Recording, with sources: [ScanSource] = [], extra: (MergedRow) throws -> Void = { _ in },
                     switchedOut: (_ tgid: Int64, _ tid: Int64, _ state: Int64) -> Void = { _, _, _ in },
                     span: (Span) throws -> Void) throws -> Set<Int64> {
        var tracker = OffCpuTracker()
        var threadsWithStacks: Set<Int64> = []
        // A stack row and its sched_switch row come from two programs on one tracepoint, each
        // reading the clock, in either order. A stack that comes first joins its thread's next
        // switch-out: the thread cannot switch in before that (which drops a pending stack).
        var stacks: [Int64: (ts: Int64, key: OffCpuTracker.Key)] = [:]
        let own = [ScanSource(OffcpuStackRow.self, reading: [\.pid, \.tid, \.comm, \.kstack, \.ustack, \.state]),
                   ScanSource(SchedSwitchRow.self, reading: [\.pid, \.tid, \.prevState, \.nextTid])]
        try rec.scanMerged(own + sources) { m in
            if let end, m.ts >= end { return }
            if m.source >= Self.sourceCount { return try extra(m) }
            if m.source == 0 {
                let row = OffcpuStackRow(m)
                let t = row.tid, tgid = row.pid
                threadsWithStacks.insert(t)
                var kernelStack = StackFrames.decode(row.kstack)
                if !tracerFrames, let ksyms { kernelStack.removeFirst(ksyms.probeFrameCount(kernelStack)) }
                let key = OffCpuTracker.Key(tid: t, tgid: tgid, comm: row.comm,
                                            kernelStack: kernelStack,
                                            userStack: StackFrames.decode(row.ustack))
                // After its switch-out row: attach it (when that switch-out was recorded by the
                // filters, which need the user stack to tell kernel threads: re-check them).
                if filter.records(tgid: tgid, tid: t, prevState: row.state, userStack: key.userStack) {
                    if tracker.attachStack(ts: row.ts, tid: t, key: key) { return }
                } else {
                    tracker.dropStackless(ts: row.ts, tid: t)
                }
                stacks[t] = (row.ts, key)
                return
            }
            let row = SchedSwitchRow(m)
            let t = row.tid, tgid = row.pid
            switchedOut(tgid, t, row.prevState)
            let stack = stacks.removeValue(forKey: t).flatMap { row.ts >= $0.ts ? $0.key : nil }
            // -u/-k need the user stack, which may come after this row: a stackless switch-out
            // is stamped and filtered when its stack arrives.
            if stack != nil ? filter.records(tgid: tgid, tid: t, prevState: row.prevState, userStack: stack!.userStack)
                            : (filter.needsUserStack || filter.records(tgid: tgid, tid: t, prevState: row.prevState, userStack: [])) {
                tracker.switchedOut(ts: row.ts, tid: t, key: stack)
            }
            let next = row.nextTid
            stacks[next] = nil
            guard let s = tracker.switchedIn(ts: row.ts, tid: next) else { return }
            try span(Span(tid: next, key: s.key, start: row.ts &- s.duration, end: row.ts))
        }
        return threadsWithStacks
    }
}

/// Off-CPU spans left out for want of a stack, per thread, and the warning they call for.
public struct StacklessSpans: Sendable {
    private var byThread: [Int64: (spans: Int, us: UInt64)] = [:]

    public init() {}

    public mutating func add(tid: Int64, us: UInt64) {
        byThread[tid, default: (0, 0)].spans += 1
        byThread[tid, default: (0, 0)].us &+= us
    }

    /// The stderr line, if any span is missing a stack it should have; why depends on what
    /// the recorder was asked to take stacks of. With `--offcpu-stacks all` every switch-out of
    /// a thread the stack program follows has its stack, so a thread with no stack row at all
    /// was not followed: outside -p (its switches are recorded only as the other side of a
    /// followed task's) or the recorder's own. Its spans are not in the recording's scope, and
    /// the -p note already says so: they are left out without a warning.
    public func warning(tool: String, _ rec: Recording, threadsWithStacks: Set<Int64>) -> String? {
        let all = rec.info?.offCPUStacks == "all"
        var spans = 0, us: UInt64 = 0
        for (tid, n) in byThread where !all || threadsWithStacks.contains(tid) {
            spans += n.spans
            us &+= n.us
        }
        guard spans > 0 else { return nil }
        let why = all ? "their stack rows were lost or came before the recorder attached"
                      : "the task was runnable when switched out: preempted, yielding or idle"
        return "bpfan \(tool): \(spans) off-CPU spans (\(us) us) have no recorded stack (\(why)) and are not shown"
    }
}
