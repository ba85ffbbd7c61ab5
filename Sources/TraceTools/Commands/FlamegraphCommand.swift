import ArgumentParser
import TraceFlameGraph
import TraceReport
import TraceAnalysis

/// `bpfan flamegraph [--diff BASE.trc] NEW.trc TOOL [TOOL's flags]`: the flame graph of a stack
/// tool's output, or the differential one of two recordings (difffolded.pl + flamegraph.pl):
/// widths from NEW, each frame red where its share grew from BASE, blue where it fell. Its own
/// options are long ones, taken wherever they appear; every other word after TOOL is the tool's.
public struct FlamegraphCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "flamegraph",
        abstract: "Flame graph of a stack tool's output; with --diff, the differential flame graph of two recordings.",
        usage: "bpfan flamegraph [options] [--diff BASE.trc] NEW.trc TOOL [TOOL's flags]\n       bpfan flamegraph [options] --diff DIFF.folded",
        discussion: """
        TOOL: profile, offcputime or stackcount, with its own flags; the stacks
        are the ones `TOOL -f` prints (the task's name, user frames, kernel
        frames), so the same flags shape the graph.

        With --diff BASE.trc, the tool runs on both recordings and each stack is
        matched by its frames. Widths are NEW's; a frame is red where it grew
        and blue where it fell, deeper the larger the change (the largest
        change of any frame is full colour, no change white). BASE is first
        scaled to NEW's total (difffolded.pl -n), so a longer or busier BASE
        does not read as a fall everywhere; --no-normalize compares raw
        values. Tooltips give NEW's value and share, BASE's raw value and the
        change as a share of NEW's total. Stacks only in BASE have no width
        in NEW: their sum is said on stderr; swap the recordings to see them.

        With --diff DIFF.folded and no recording, the graph is drawn from a
        differential folded file (`stack base new` lines, as difffolded.pl and
        `bpfan compare --folded-diff` write them): widths from the new column,
        colours from its change from the base column, not rescaled (compare's
        file is already scaled by duration; --normalize scales the base to the
        new total as difffolded.pl -n does). Frames marked _[k] are kernel
        ones; the first frame is the task's name.

        In the SVG: click a frame to zoom, Reset Zoom to go back, Search (or
        Ctrl-F) for a regular expression (Ctrl-I: ignore case); the share it
        matches is shown bottom right. ?s=REGEX in the file's URL searches on
        open.

        EXAMPLES:
          bpfan flamegraph run.trc profile > cpu.svg
          bpfan flamegraph --svg off.svg run.trc offcputime -m 1000
          bpfan flamegraph --diff base.trc new.trc profile -K > diff.svg
          bpfan flamegraph --diff base.trc new.trc offcputime -p 185 --svg d.svg
          bpfan flamegraph --diff off.diff --svg off-diff.svg
        """)

    @Option(name: .customLong("diff"), help: ArgumentHelp("The base recording: draw NEW's stacks coloured by their change from it.", valueName: "BASE.trc"))
    var diff: String?
    @Option(name: .customLong("svg"), help: ArgumentHelp("Where to write the SVG ('-', the default: stdout).", valueName: "FILE"))
    var svg = "-"
    @Option(name: .customLong("title"), help: ArgumentHelp("The graph's title.", valueName: "TEXT"))
    var title: String?
    @Flag(name: .customLong("no-normalize"), help: "With --diff: compare raw values, without scaling BASE to NEW's total.")
    var noNormalize = false
    @Flag(name: .customLong("normalize"), help: "With --diff DIFF.folded: scale its base column to the new column's total.")
    var normalize = false
    @Argument(help: ArgumentHelp("The recording, then the tool and its flags.", valueName: "NEW.trc TOOL [TOOL's flags]"))
    var words: [String] = []

    public init() {}

    /// The tools whose stacks it draws.
    static let tools: [any RecordingTool.Type] = [Profile.self, Offcputime.self, Stackcount.self]
    static let valued: Set<String> = ["--diff", "--svg", "--title"]
    static let flags: Set<String> = ["--no-normalize", "--normalize", "--help", "-h"]

    struct UsageError: Error { var message: String }

    /// `bpfan flamegraph ARGS`: the exit status and what was printed (help: 0; a usage error
    /// or a tool's failure: 2; an unwritable --svg: 1).
    public static func entry(_ args: [String], streaming: Bool = true) -> (status: Int32, output: ToolOutput) {
        var out = ToolOutput(streaming: streaming)
        var command: FlamegraphCommand
        do {
            let (own, words) = try split(args)
            command = try FlamegraphCommand.parse(own)
            command.words = words
        } catch let e as UsageError {
            out.warn("bpfan flamegraph: \(e.message)")
            return (2, out)
        } catch {
            if FlamegraphCommand.exitCode(for: error).isSuccess {
                out.note(FlamegraphCommand.fullMessage(for: error) + "\n")
                out.flush()
                return (0, out)
            }
            out.warn("bpfan flamegraph: \(FlamegraphCommand.message(for: error))")
            return (2, out)
        }
        let status = command.execute(into: &out)
        out.flush()
        if let why = StandardOutput.failureMessage {
            out.warn("bpfan flamegraph: \(why)")
            return (1, out)
        }
        return (status, out)
    }

    public func run() throws {
        let (status, _) = Self.entry(Array(CommandLine.arguments.dropFirst(2)))
        if status != 0 { throw ExitCode(status) }
    }

    /// flamegraph's own options (wherever they are) and the rest: NEW.trc TOOL flags...
    static func split(_ args: [String]) throws -> (own: [String], words: [String]) {
        let s = WrapperArguments.split(args, valued: valued, flags: flags)
        if let m = s.missingValue { throw UsageError(message: "\(m) needs a value") }
        return (s.own, s.words)
    }

    func execute(into out: inout ToolOutput) -> Int32 {
        do {
            if let diff, words.isEmpty { return try drawFolded(diff, into: &out) }
            guard words.count >= 2 else {
                throw UsageError(message: "missing \(words.isEmpty ? "the recording and TOOL" : "TOOL"); usage: bpfan flamegraph [--diff BASE.trc] NEW.trc TOOL [TOOL's flags]")
            }
            let path = words[0], name = words[1], toolArguments = Array(words.dropFirst(2))
            guard let tool = Self.tools.first(where: { $0.toolName == name }) else {
                throw UsageError(message: "'\(name)' is not a stack tool flamegraph draws (\(Self.tools.map { $0.toolName }.joined(separator: ", ")))")
            }
            if let bad = toolArguments.first(where: { $0 == "--svg" || $0.hasPrefix("--svg=") || $0 == "--json" || $0 == "--title" || $0.hasPrefix("--title=") }) {
                throw UsageError(message: "\(name) \(bad): give flamegraph's own --svg / --title (and no --json)")
            }
            let new = try Self.stacks(tool, toolArguments, path, into: &out)
            var options = FlameGraphOptions(title: title ?? (diff == nil ? "Flame Graph" : "Differential Flame Graph"), countName: new.countName)
            let stacks: [FlameStack]
            if let diff {
                let base = try Self.stacks(tool, toolArguments, diff, into: &out)
                let joined = FlameGraphFile.differential(base: base.items, new: new.items)
                stacks = joined.stacks
                options.differential = true
                options.normalizeBase = !noNormalize
                let baseTotal = joined.stacks.reduce(UInt64(0)) { $0 &+ $1.base }, newTotal = joined.stacks.reduce(UInt64(0)) { $0 &+ $1.value }
                let scale = !noNormalize && baseTotal > 0 ? printf("%.3f", .double(Double(newTotal) / Double(baseTotal))) : "1"
                options.subtitle = ([name] + toolArguments).joined(separator: " ") + ": widths \(Self.fileName(path)), colours the change from \(Self.fileName(diff)) ×\(scale) (red grew, blue fell)"
                if joined.onlyInBase.count > 0 {
                    let pct = baseTotal > 0 ? printf("%.1f", .double(100 * Double(joined.onlyInBase.value) / Double(baseTotal))) : "0"
                    out.warn("bpfan flamegraph: note: \(joined.onlyInBase.count) stacks of \(diff) (\(joined.onlyInBase.value) \(new.countName), \(pct)% of it) are not in \(path) and have no width; swap the recordings to see them")
                }
            } else {
                stacks = FlameGraphFile.stacks(new.items)
                options.subtitle = ([name] + toolArguments + [Self.fileName(path)]).joined(separator: " ")
            }
            return draw(stacks, options, into: &out)
        } catch let e as UsageError {
            out.warn("bpfan flamegraph: \(e.message)")
        } catch {
            out.warn("bpfan flamegraph: \(error)")
        }
        return 2
    }

    /// The differential graph of a `stack base new` file.
    func drawFolded(_ path: String, into out: inout ToolOutput) throws -> Int32 {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw UsageError(message: "--diff \(path): cannot read it as a differential folded file (a recording needs NEW.trc TOOL after it)")
        }
        let stacks = try FlameGraphFile.differential(folded: text, path: path)
        var options = FlameGraphOptions(title: title ?? "Differential Flame Graph", countName: "samples")
        options.differential = true
        options.normalizeBase = normalize
        options.subtitle = Self.fileName(path) + ": widths the new column, colours the change from the base column" + (normalize ? " scaled to its total" : "") + " (red grew, blue fell)"
        return draw(stacks, options, into: &out)
    }

    /// Writes the graph of `stacks` to --svg (stdout for `-`): 0, or 1 when it cannot be written.
    func draw(_ stacks: [FlameStack], _ options: FlameGraphOptions, into out: inout ToolOutput) -> Int32 {
        if stacks.isEmpty { out.warn("bpfan flamegraph: note: no stacks to draw; the graph says so") }
        let svgText = FlameGraph.svg(stacks, options)
        if svg == "-" { out.document(svgText) } else {
            do { try FlameGraphFile.write(svgText, to: svg) } catch {
                out.warn("bpfan flamegraph: \(error)")
                return 1
            }
        }
        return 0
    }

    /// A recording's name without its directory: the subtitle fits the graph's width.
    static func fileName(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }

    /// The stacks `tool` prints for one recording, its warnings passed on; its failure is
    /// flamegraph's (exit 2).
    static func stacks(_ tool: any RecordingTool.Type, _ arguments: [String], _ path: String, into out: inout ToolOutput) throws -> (items: [StackItem], countName: String) {
        func run<T: RecordingTool>(_ t: T.Type) throws -> (items: [StackItem], countName: String, output: ToolOutput) {
            let parsed: T
            do { parsed = try T.parse(arguments + [path]) } catch { throw UsageError(message: "\(T.toolName): \(T.message(for: error))") }
            var o = ToolOutput()
            o.keepsStacks = true
            parsed.execute(into: &o, arguments: arguments + [path])
            return (o.keptStacks, T.flameGraphCountName, o)
        }
        let r = try run(tool)
        for line in r.output.stderr { out.warn(line) }
        if r.output.failed { throw UsageError(message: "\(tool.toolName) failed on \(path) (above)") }
        return (r.items, r.countName)
    }
}
