import TraceReport
import ArgumentParser
import TraceFormat

/// `bpfan`: the root command. Every tool is a subcommand named after the live tool it reproduces.
public struct BpfanCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bpfan",
        abstract: "Analyse a bpfrec recording offline: bcc, libbpf-tools and bpftrace tools, same flags, same output.",
        discussion: """
        The recording is the last argument of every tool: `bpfan biolatency -m run.trc`.
        Start with `bpfan info run.trc` to see what a recording holds, and `bpfan tools` for the tools.
        """,
        version: ToolkitVersion.line(program: "bpfan"),
        subcommands: ToolRegistry.commands
    )

    public init() {}

    /// What to say, and the exit status, when the first word names no command this build has:
    /// a known tool that is not written yet or impossible here (exit 2, with why), or an unknown
    /// word (exit 2, with the closest names); `-V`, the version (status 0: printed on stdout).
    /// nil: let the argument parser run. `help NAME` answers as `NAME` would.
    public static func refusal(_ arguments: [String]) -> (message: String, status: Int32)? {
        // `-V` as well as `--version` (the argp habit of the live tools).
        if arguments == ["-V"] { return (ToolkitVersion.line(program: "bpfan"), 0) }
        guard var word = arguments.first, !word.hasPrefix("-") else { return nil }
        if word == "help" {
            guard let named = arguments.dropFirst().first, !named.hasPrefix("-") else { return nil }
            word = named
        }
        if ToolRegistry.commands.contains(where: { $0.configuration.commandName == word }) { return nil }
        if let e = ToolRegistry.entry(named: word) { return (ToolRegistry.unavailable(e) + "\n(`bpfan tools` lists every tool and its status)", 2) }
        let close = ToolRegistry.suggestions(for: word)
        return ("bpfan: unknown tool '\(word)'" + (close.isEmpty ? "" : "; did you mean \(close.joined(separator: ", "))?") + "\n(`bpfan tools` lists every tool)", 2)
    }
}
