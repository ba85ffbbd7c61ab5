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

    /// argp takes a negative number as an option's value (`-T -5`, `--top -5`); the argument
    /// parser would read `-5` as an option and answer "Missing value for '-T'". A number
    /// after an option is joined to it (`-T-5`, `--top=-5`), so the tool's own check gives the
    /// real reason (a positional number is never negative). After `--`, nothing is changed.
    public static func joiningNegativeValues(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for a in arguments {
            let negative = a.count > 1 && a.hasPrefix("-") && Double(a) != nil
            if negative, let last = out.last, !out.contains("--") {
                if last.count == 2, last.hasPrefix("-"), last != "--", last.last!.isLetter {
                    out[out.count - 1] = last + a
                    continue
                }
                if last.hasPrefix("--"), last.count > 2, !last.contains("=") {
                    out[out.count - 1] = last + "=" + a
                    continue
                }
            }
            out.append(a)
        }
        return out
    }

    /// The arguments to parse: `joiningNegativeValues` when that names an option taking a
    /// value (it parses, or fails for the value itself), else as given (the number followed a
    /// flag: the parser's own message about it stands).
    public static func arguments(_ given: [String]) -> [String] {
        let joined = joiningNegativeValues(given)
        guard joined != given else { return given }
        do {
            _ = try parseAsRoot(joined)
            return joined
        } catch {
            return fullMessage(for: error).contains("Unknown option") ? given : joined
        }
    }

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
