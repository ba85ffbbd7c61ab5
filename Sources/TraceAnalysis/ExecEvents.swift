/// One execve/execveat from `process_exec`, with its argv split.
public struct ExecEvent: Sendable, Equatable {
    public var ts: Int64
    public var duration: Int64
    public var pid: Int64
    public var tid: Int64
    public var ppid: Int64
    public var uid: Int64
    public var ret: Int64
    public var comm: String
    public var filename: String
    /// The arguments the recorder kept (at most 20).
    public var argv: [String]
    /// How many arguments the caller passed.
    public var argc: Int
    public var truncated: Bool

    public var exitTime: Int64 { ts &+ duration }  // wrapping: hostile values must not trap

    /// The arguments bpftrace's join(args->argv) prints: up to 16, ending at the first empty one.
    public var joinArguments: [String] {
        var kept: [String] = []
        for a in argv.prefix(16) {
            if a.isEmpty { break }
            kept.append(a)
        }
        return kept
    }

    /// Whether an older recorder (127 bytes per argument, `limits`) may have cut an argument
    /// join() reads to 1023 bytes.
    public func joinMayBeShortened(_ limits: RecordedArgvLimits) -> Bool {
        limits.longArgBytes < 1023 && truncated && argv.prefix(16).contains { $0.utf8.count == limits.longArgBytes }
    }
}

extension Recording {
    /// Every exec inside the window, in the order the calls returned.
    public func execEvents(filter: ScanFilter = .none) throws -> [ExecEvent] {
        var out: [ExecEvent] = []
        try scanBatches(ProcessExecRow.self, reading: [\.duration, \.pid, \.tid, \.ppid, \.uid, \.ret, \.comm, \.filename, \.argv, \.argc, \.argsTruncated], filter: filter) { b in
            let ts = b[\ProcessExecRow.ts], dur = b[\ProcessExecRow.duration], pid = b[\ProcessExecRow.pid], tid = b[\ProcessExecRow.tid], ppid = b[\ProcessExecRow.ppid]
            let uid = b[\ProcessExecRow.uid], ret = b[\ProcessExecRow.ret], argc = b[\ProcessExecRow.argc], trunc = b[\ProcessExecRow.argsTruncated]
            let comm = b[\ProcessExecRow.comm], filename = b[\ProcessExecRow.filename], argv = b[\ProcessExecRow.argv]
            for r in 0..<b.count {
                var raw = argv[r]
                if raw.last == 0 { raw.removeLast() }
                let args = raw.isEmpty && argc[r] == 0 ? [] : raw.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
                out.append(ExecEvent(ts: ts[r], duration: dur[r], pid: pid[r], tid: tid[r], ppid: ppid[r], uid: uid[r], ret: ret[r],
                                     comm: comm.string(r), filename: filename.string(r), argv: args, argc: Int(argc[r]), truncated: trunc[r] != 0))
            }
        }
        out.sort { ($0.exitTime, $0.ts, $0.tid) < ($1.exitTime, $1.ts, $1.tid) }
        return out
    }
}

/// How many arguments a recording's process_exec keeps, and how long: bpfrec before the argv
/// column grew kept 20 of 127 bytes; now 60, the first 16 of 1023 bytes (schemas/proc.json).
public struct RecordedArgvLimits: Sendable, Equatable {
    public var maxArgs: Int
    public var longArgs: Int
    public var longArgBytes: Int

    public init(_ rec: Recording) {
        let max = rec.file.schema(named: "process_exec")?.columns.first { $0.name == "argv" }?.max ?? 0
        if max >= 22016 {
            self = RecordedArgvLimits(maxArgs: 60, longArgs: 16, longArgBytes: 1023)
        } else {
            self = RecordedArgvLimits(maxArgs: 20, longArgs: 0, longArgBytes: 127)
        }
    }

    init(maxArgs: Int, longArgs: Int, longArgBytes: Int) {
        self.maxArgs = maxArgs
        self.longArgs = longArgs
        self.longArgBytes = longArgBytes
    }
}

/// The exec each `syscalls:sys_enter_execve[at]` event belongs to, for the arguments its row
/// does not hold (bpftrace's `join(args->argv)`): process_exec keeps argv, the syscall_detail
/// row that serves the tracepoint does not. Both are taken at the call's entry, a few
/// microseconds apart, so an event's exec is its thread's last one begun at or before it and
/// not yet returned.
public struct ExecArgvIndex: Sendable {
    private var byThread: [Int64: [ExecEvent]] = [:]
    public let limits: RecordedArgvLimits

    public init(_ rec: Recording) throws {
        limits = RecordedArgvLimits(rec)
        for e in try rec.execEvents() { byThread[e.tid, default: []].append(e) }
        for k in byThread.keys { byThread[k]!.sort { $0.ts < $1.ts } }
    }

    public func exec(tid: Int64, at t: Int64) -> ExecEvent? {
        guard let list = byThread[tid], let e = list.last(where: { $0.ts <= t }), t <= e.exitTime else { return nil }
        return e
    }
}
