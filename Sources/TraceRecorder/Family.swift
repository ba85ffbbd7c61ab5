import Foundation
import CBPFPrograms

/// An event family: one BPF object (bpf/<name>.bpf.c), the tables it writes and the tracepoints
/// it attaches to. The raw value is the C `enum bpfrec_family`, which indexes the loss counters.
public enum Family: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case proc = 0, syscalls = 1, block = 2, sched = 3, tcp = 4, stacks = 5

    public var name: String {
        switch self {
        case .proc: "proc"
        case .syscalls: "syscalls"
        case .block: "block"
        case .sched: "sched"
        case .tcp: "tcp"
        case .stacks: "stacks"
        }
    }

    public var description: String { name }

    public init?(name: String) {
        guard let f = Family.allCases.first(where: { $0.name == name }) else { return nil }
        self = f
    }

    /// What the family attaches to, for `bpfrec families`.
    public var tracepoints: [String] {
        switch self {
        case .proc:
            ["syscalls:sys_enter_execve", "syscalls:sys_exit_execve", "syscalls:sys_enter_execveat", "syscalls:sys_exit_execveat",
             "  (exec through the syscalls family's raw_syscalls programs instead when both are recorded)",
             "sched:sched_process_fork", "sched:sched_process_exit", "task:task_rename"]
        case .syscalls:
            ["raw_syscalls:sys_enter", "raw_syscalls:sys_exit"]
        case .block:
            ["block:block_rq_insert", "block:block_rq_issue", "block:block_rq_complete", "block:block_rq_requeue",
             "block:block_io_start", "block:block_io_done"]
        case .sched:
            ["sched:sched_switch", "sched:sched_wakeup", "sched:sched_wakeup_new", "sched:sched_migrate_task"]
        case .tcp:
            ["sock:inet_sock_set_state", "tcp:tcp_retransmit_skb", "tcp:tcp_send_reset", "tcp:tcp_receive_reset", "skb:kfree_skb"]
        case .stacks:
            ["perf_event:cpu-clock", "sched:sched_switch (off-CPU stacks)"]
        }
    }

    /// Families whose BPF objects this build carries.
    public static var available: [Family] { allCases.filter { $0.isBuilt } }

    var isBuilt: Bool {
        switch self {
        case .proc, .syscalls, .sched, .block, .tcp, .stacks: true
        }
    }

    /// Parses a comma-separated list (`--families proc,sched`); "all" means every built family.
    public static func parseList(_ text: String) throws(RecorderError) -> [Family] {
        var out: [Family] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            if part == "all" { return available }
            guard let f = Family(name: part) else {
                throw RecorderError("--families: unknown family '\(part)' (known: \(allCases.map(\.name).joined(separator: ", ")))")
            }
            guard f.isBuilt else { throw RecorderError("--families: family '\(part)' is not built into this bpfrec") }
            if !out.contains(f) { out.append(f) }
        }
        guard !out.isEmpty else { throw RecorderError("--families: empty list") }
        return out
    }
}

/// A recorder failure with a message meant for the user, naming the flag or file involved.
public struct RecorderError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

