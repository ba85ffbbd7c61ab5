/// Off-CPU spans by blocked stack, as offcputime measures them: a task switched out is
/// stamped with its stack (taken at the switch-out, like libbpf-tools' tp_btf version), and the
/// span ends when it is switched back in. A newer switch-out of the same tid replaces an
/// unfinished one; a switch-in consumes the stamp.
public struct OffCpuTracker: Sendable {
    /// What a span is charged to: the thread, its process and name, and its two stacks (nil
    /// when the recording has no stack for that switch-out).
    public struct Key: Hashable, Sendable {
        public var tid: Int64
        public var tgid: Int64
        public var comm: String
        public var kernelStack: [UInt64]
        public var userStack: [UInt64]
        public init(tid: Int64, tgid: Int64, comm: String, kernelStack: [UInt64], userStack: [UInt64]) {
            self.tid = tid
            self.tgid = tgid
            self.comm = comm
            self.kernelStack = kernelStack
            self.userStack = userStack
        }
    }

    private var blocked: [Int64: (ts: Int64, key: Key?)] = [:]

    public init() {}

    public var pending: Int { blocked.count }

    public mutating func switchedOut(ts: Int64, tid: Int64, key: Key?) { blocked[tid] = (ts, key) }

    /// Gives a stackless blocked span of `tid` its stack. The recorder takes the stack in a
    /// second program on the same tracepoint, with its own clock read: usually under 2 us later,
    /// but a vCPU the hypervisor descheduled between the two programs makes it far more, so no
    /// time bound is used. None is needed: a thread switched out cannot run (or switch out)
    /// again before both programs have returned, so a stack row that comes while its thread is
    /// off-CPU belongs to that switch-out. True when it was attached.
    @discardableResult
    public mutating func attachStack(ts: Int64, tid: Int64, key: Key) -> Bool {
        guard let b = blocked[tid], b.key == nil, ts >= b.ts else { return false }
        blocked[tid] = (b.ts, key)
        return true
    }

    /// Forgets a stackless blocked span of `tid` whose stack, come late, shows the filters leave
    /// it out (-u/-k can only be told from the user stack): it is not a span without a stack.
    public mutating func dropStackless(ts: Int64, tid: Int64) {
        if let b = blocked[tid], b.key == nil, ts >= b.ts { blocked[tid] = nil }
    }

    /// The span that ends as `tid` runs again, with its key (nil when stackless).
    public mutating func switchedIn(ts: Int64, tid: Int64) -> (key: Key?, duration: Int64)? {
        guard let b = blocked.removeValue(forKey: tid), ts >= b.ts else { return nil }
        let d = ts &- b.ts
        return d < 0 ? nil : (b.key, d)
    }
}
