/// Every tool issue 4 asks for, whether this build implements it, and the tables it reads. The
/// `tools` command prints this; a tool is marked implemented only when its command is registered.
public enum ToolCatalog {
    public struct Entry: Sendable {
        public var name: String
        public var tables: [String]
        public var implemented: Bool
        public var note: String
    }

    static func e(_ name: String, _ tables: [String], _ implemented: Bool, _ note: String = "") -> Entry {
        Entry(name: name, tables: tables, implemented: implemented, note: note)
    }

    public static let entries: [Entry] = [
        e("biolatency", ["block_rq_issue", "block_rq_complete"], true, "-Q also needs block_rq_insert"),
        e("biolatency.bt", ["block_io_start", "block_io_done"], true),
        e("biosnoop", ["block_rq_issue", "block_rq_complete"], true, "COMM/PID need block_io_start; -Q needs block_rq_insert"),
        e("biotop", ["block_io_start", "block_rq_issue", "block_io_done"], true, "loadavg is not recorded"),
        e("bitesize", ["block_rq_issue"], true),
        e("bitesize.bt", ["block_rq_issue"], true),
        e("biopattern", ["block_rq_complete"], true),
        e("syscount", ["syscall"], true, "-P reads the proc family for names"),
        e("syscount.bt", ["syscall"], true, "exit_group and successful execve are not counted (no exit row)"),
        e("opensnoop", ["syscall_detail"], true, "open and openat, like libbpf-tools 0.26; -F cannot resolve relative paths"),
        e("opensnoop.bt", ["syscall_detail"], true),
        e("execsnoop", ["process_exec"], true, "argv beyond the 20 recorded arguments is lost"),
        e("execsnoop.bt", ["process_exec"], true, "arguments cut at 127 bytes (bpftrace keeps 1023)"),
        e("exitsnoop", ["process_exit"], true),
        e("killsnoop", ["syscall_detail"], true),
        e("killsnoop.bt", ["syscall_detail"], true),
        e("sigsnoop", ["syscall_detail"], true, "only -k: signal_generate is not recorded"),
        e("statsnoop", ["syscall_detail"], true, "the live libbpf-tools 0.26 statsnoop prints no rows on 6.x syscall tracepoints (fixed upstream, bcc #4920); bpfan prints what the fixed tool does"),
        e("statsnoop.bt", ["syscall_detail"], true),
        e("runqlat", ["sched_switch", "sched_wakeup", "sched_wakeup_new"], true, "--pidnss and -c are refused (not recorded)"),
        e("runqlat.bt", ["sched_switch", "sched_wakeup", "sched_wakeup_new"], true),
        e("runqslower", ["sched_switch", "sched_wakeup", "sched_wakeup_new"], true),
        e("cpudist", ["sched_switch"], true, "-c is refused (not recorded)"),
        e("offcputime", ["sched_switch", "offcpu_stack"], true, "bcc output; only blocked (not preempted) switch-outs have stacks; user frames need process_maps and elf_symbols (stacks family), else [unknown]"),
        e("tcplife", ["tcp_state"], true),
        e("tcplife.bt", ["tcp_state"], true, "changes made outside tcp_set_state (listen, request clone) are skipped as the kprobe would"),
        e("tcpstates", ["tcp_state"], true),
        e("tcpconnect", ["tcp_state"], true, "-U/-u read uids from the proc family; connects failing inside tcp_v4_connect after SYN_SENT are still listed"),
        e("tcpaccept", ["tcp_state", "syscall_detail"], true, "bcc output; accept/accept4 calls matched to passive opens; io_uring and in-kernel accepts are not seen"),
        e("tcpretrans", ["tcp_retransmit"], true, "bcc output; -l (tail loss probes) needs a kprobe: refused"),
    ]
}
