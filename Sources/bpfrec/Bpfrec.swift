import ArgumentParser

@main
struct Bpfrec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bpfrec",
        abstract: "Record kernel events (processes, syscalls, block I/O, scheduler, TCP, stacks) into a trace file for bpfan.",
        discussion: """
            Needs CAP_BPF and CAP_PERFMON (or root): `setcap cap_bpf,cap_perfmon+ep bpfrec`. \
            Without CAP_SYS_PTRACE the process snapshot has no exe paths of other users' processes.
            """,
        subcommands: [Record.self, Families.self])
}
