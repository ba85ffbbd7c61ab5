import ArgumentParser

/// `bpfan`: the root command. Every tool is a subcommand named after the live tool it reproduces.
public struct BpfanCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bpfan",
        abstract: "Analyse a bpfrec recording offline: bcc, libbpf-tools and bpftrace tools, same flags, same output.",
        discussion: """
        The recording is the last argument of every tool: `bpfan biolatency -m run.trc`.
        Start with `bpfan info run.trc` to see what a recording holds, and `bpfan tools` for the tools.
        """,
        subcommands: ToolRegistry.commands
    )

    public init() {}
}
