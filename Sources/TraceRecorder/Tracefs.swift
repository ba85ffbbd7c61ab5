import Glibc

/// Classic `tracepoint/` programs (proc's execve pair) attach by a tracepoint id that libbpf
/// reads from tracefs. bpfrec mounts nothing on the host it records: where tracefs is not
/// mounted (a fresh boot can leave it so) or not readable, proc's exec capture runs on its
/// raw_syscalls programs instead, which need no tracefs (nor do tp_btf and raw_tp).
enum Tracefs {
    /// Whether libbpf can read the exec tracepoints' ids: it looks under debugfs when
    /// /sys/kernel/debug/tracing exists, else under /sys/kernel/tracing (libbpf 1.1's
    /// tracefs_path()), so the same choice is made here.
    static var available: Bool {
        let debugfs = "/sys/kernel/debug/tracing"
        let base = access(debugfs, F_OK) == 0 ? debugfs : "/sys/kernel/tracing"
        return access(base + "/events/syscalls/sys_enter_execve/id", R_OK) == 0
    }
}
