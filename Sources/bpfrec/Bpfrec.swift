import ArgumentParser

@main
struct Bpfrec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bpfrec",
        abstract: "Record kernel events (processes, syscalls, block I/O, scheduler, TCP, stacks) into a trace file for bpfan.",
        discussion: """
            Needs CAP_BPF and CAP_PERFMON (or root): `setcap cap_bpf,cap_perfmon+ep bpfrec`. \
            Optional: CAP_SYSLOG, so the kallsyms metadata has addresses (kernel stacks symbolize); \
            CAP_SYS_PTRACE, so exe paths and memory maps of other users' processes are readable \
            (user stacks symbolize). Without root, tracefs is unreadable and the proc family \
            captures execve from raw_syscalls instead (slightly more overhead per syscall).
            """,
        subcommands: [Record.self, Families.self, Inspect.self])
}
