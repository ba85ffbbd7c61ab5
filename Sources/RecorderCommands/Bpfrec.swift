import ArgumentParser
import TraceFormat

/// bpfrec's commands, in a library so that the flag fuzzer parses them as bpfrec does; the
/// bpfrec executable only calls `Bpfrec.main()`.
public struct Bpfrec: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "bpfrec",
        abstract: "Record kernel events (processes, syscalls, block I/O, scheduler, TCP, stacks) into a trace file for bpfan.",
        discussion: """
            Needs CAP_BPF and CAP_PERFMON (or root): `setcap cap_bpf,cap_perfmon+ep bpfrec`. \
            Optional: CAP_SYSLOG, so the kallsyms metadata has addresses (kernel stacks symbolize); \
            CAP_SYS_PTRACE, so exe paths and memory maps of other users' processes are readable \
            (user stacks symbolize). bpfrec mounts nothing: where tracefs is not mounted or not \
            readable (a fresh boot, or capabilities without root), the proc family captures execve \
            from raw_syscalls instead (slightly more overhead per syscall); every other probe is \
            tp_btf or raw_tp, which need neither tracefs nor debugfs.
            """,
        version: ToolkitVersion.line(program: "bpfrec"),
        subcommands: [Record.self, Families.self, Inspect.self])

    /// `-V` as well as `--version` (the argp habit of the live tools).
    public static func main() {
        if Array(CommandLine.arguments.dropFirst()) == ["-V"] {
            print(ToolkitVersion.line(program: "bpfrec"))
            return
        }
        main(nil)
    }
}
