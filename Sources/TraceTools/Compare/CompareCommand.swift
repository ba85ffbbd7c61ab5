import ArgumentParser
import TraceReport

/// `bpfan compare BASE.trc NEW.trc [TOOL [TOOL's flags]]`: regression comparison of two
/// recordings for CI. Its own options are long ones, taken wherever they appear; every other
/// word after TOOL is the tool's.
public struct CompareCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two recordings key by key and gate on regressions (exit 0 / 1 / 2 / 3).",
        usage: """
        bpfan compare [options] BASE.trc NEW.trc [TOOL [TOOL's flags]]
          bpfan compare [options] --base B1.trc --base B2.trc ... --new N1.trc --new N2.trc ... [TOOL [TOOL's flags]]
        """,
        discussion: """
        TOOL: biolatency (-D per disk, -F per flag set, -Q, -d DISK), runqlat and
        cpudist (-P per pid, -L per tid, -p PID; cpudist -O), syscount (rates per
        syscall, -P per process, -L latencies too, -x, -e, -p), hardirqs (handler
        times per name; -C rates), softirqs (time per vector), tcplife (session
        lifetimes per comm, and beside them bytes sent and received per session
        as keys COMM tx and COMM rx, in KB), offcputime and profile (stack profiles: off-CPU us
        and samples per second of recording per folded stack), bt (-e 'PROGRAM'
        or FILE.bt, then its $1...: count() and sum() map entries as rates,
        hist() lhist() stats() avg() min() max() entries as distributions of the
        raw values the program gave them). Keys are matched by the name the report shows; pids
        and tids differ between runs, so --by-comm matches them by comm instead.
        Without TOOL, the default suite runs biolatency -D, runqlat, cpudist,
        syscount -L, hardirqs, softirqs, tcplife, offcputime and profile, each
        where both recordings hold its tables, and prints one table (keys as
        TOOL:KEY).

        Per key: each recording's count and rate per second; for latencies p50,
        p90, p99 and max, and the change of p50/p90/p99, absolute and relative,
        with a bootstrap percentile interval at 1 - alpha (seeded: the same
        recordings give the same report).

        Distributions are tested with Mann-Whitney U on the raw per-event values;
        rates with Welch's t on the rates of --intervals equal parts of each
        recording (the noise is the variation between intervals). p-values are
        adjusted with Holm-Bonferroni over every test of the comparison. A change
        is called (regressed, improved) only when it is significant AND at least
        --min-change, its interval on that side of zero; else `~`. A key with
        fewer than --min-samples events is inconclusive. Higher latencies and
        higher rates are "regressed". syscount tests rates (and, with -L,
        latencies); the latency tools test distributions, and rates when a
        threshold asks for them.

        Several runs per side: give each side's recordings with --base and --new (each
        repeatable; `--base 'base-*.trc'` expands the pattern, and recordings right after
        --base FILE belong to it too, so an unquoted glob works). With 2 or more runs on each
        side (3 or more recommended) the tests are between runs: per key, each run's p50,
        p90 and p99 and its rate, then Student's t on those per-run figures, so the shift a
        whole run takes from the load of the moment is part of the noise. Each quantile is
        its own test in the Holm family; counts are totals, rates and quantiles the means of
        the runs', max the largest; every run needs --min-samples values of a key for its
        latency test. With one recording per side the latency tests above take the events as
        independent and do not include run-to-run variance: two runs of one command on a
        busy machine differ "significantly" (93% of A/A pairs alarmed on a loaded 2-vCPU VM;
        docs/compare-ci.md). The report says so.

        --fail-if CONDITION (repeatable):
          CONDITION := METRIC [ "(" KEY ")" ] OP THRESHOLD
          METRIC    := p50 | p90 | p99 | max | rate
          OP        := ">" | "<"
          THRESHOLD := +N% | -N%     a called change beyond N% (">" takes +N%,
                                     "<" takes -N%; not for max)
                     | N(ns|us|ms|s) NEW's own p50/p90/p99/max beyond it
                     | N             NEW's own rate (events/s), for rate
          Without KEY a condition applies to every key. Examples: 'p99>+10%',
          'rate(read)>+20%', 'max>20ms', 'p50(vda)>2ms', 'rate(openat)<-50%'.
          Without --fail-if the gate is: any regressed verdict.

        Stack profiles (offcputime, profile, with their own flags): a key is a
        stack as `TOOL -f` folds it (the comm, user frames, kernel frames marked
        _[k]), pids and tids left out; its weight (us off CPU, samples) is
        tested as a rate, the noise from the --intervals parts of each
        recording, Holm over every stack. The report lists each stack by its
        change, then the --top N that appeared, disappeared, grew and shrank
        most (per second). --folded-diff FILE writes `stack base new` lines
        (difffolded.pl's form) with BASE scaled to NEW's duration: draw it with
        `bpfan flamegraph --diff FILE` or flamegraph.pl.

        Exit status:
          0  no threshold crossed
          1  a regression crossed a threshold
          2  usage error or unreadable recording (one line naming the flag,
             file or token)
          3  inconclusive: events lost in the compared window, a damaged
             recording, different hosts or kernels (without
             --allow-different-hosts), or too few samples to decide a
             threshold; the reason is printed

        EXAMPLES:
          bpfan compare base.trc new.trc biolatency -D
          bpfan compare base.trc new.trc runqlat -P --by-comm --fail-if 'p99>+10%'
          bpfan compare base.trc new.trc syscount -L --format markdown
          bpfan compare base.*.trc new.*.trc syscount   (rotated sets: --rotate's
                                                          numbered files of each side)
          bpfan compare --base 'base-*.trc' --new 'new-*.trc' syscount -L
            (several runs per side, tested between runs)
          bpfan compare base.trc new.trc offcputime -m 1000 --folded-diff off.diff
          bpfan compare base.trc new.trc profile -K --top 5
        """)

    @Option(name: .customLong("base"), help: ArgumentHelp("A BASE run (repeatable; a quoted glob expands); with --new instead of the two positional recordings.", valueName: "FILE"))
    var baseRuns: [String] = []
    @Option(name: .customLong("new"), help: ArgumentHelp("A NEW run (repeatable; a quoted glob expands).", valueName: "FILE"))
    var newRuns: [String] = []
    @Option(name: .customLong("fail-if"), help: ArgumentHelp("A threshold whose crossing fails the run (grammar above); repeatable.", valueName: "CONDITION"))
    var failIf: [String] = []
    @Option(name: .customLong("format"), help: ArgumentHelp("text, markdown (a PR comment), json (JSON Lines, schemas/output.schema.json) or junit (a test case per key and threshold).", valueName: "FORMAT"))
    var format = "text"
    @Option(name: .customLong("min-change"), help: ArgumentHelp("The smallest relative change called a difference, however significant.", valueName: "PERCENT"))
    var minChange = "5%"
    @Option(name: .customLong("alpha"), help: ArgumentHelp("Family-wise error rate over all tests (Holm-Bonferroni); intervals are at 1 - alpha.", valueName: "ALPHA"))
    var alpha = 0.05
    @Option(name: .customLong("min-samples"), help: ArgumentHelp("Events a key needs on each side for its distribution (both sides together for its rate).", valueName: "N"))
    var minSamples = 20
    @Option(name: .customLong("intervals"), help: ArgumentHelp("Equal parts of each recording whose rates give the rates' noise (at least 3).", valueName: "N"))
    var intervals = 10
    @Option(name: .customLong("bootstrap"), help: ArgumentHelp("Bootstrap replicates per quantile.", valueName: "N"))
    var replicates = 2000
    @Option(name: .customLong("seed"), help: ArgumentHelp("The bootstrap's seed: the same seed, the same intervals.", valueName: "N"))
    var seed: UInt64 = 1
    @Option(name: .customLong("folded-diff"), help: ArgumentHelp("offcputime, profile: write a differential folded file there (difffolded.pl's `stack base new`, BASE scaled to NEW's duration), for `bpfan flamegraph --diff FILE` or flamegraph.pl.", valueName: "FILE"))
    var foldedDiff: String?
    @Option(name: .customLong("top"), help: ArgumentHelp("offcputime, profile: how many stacks each of the appeared / disappeared / grew / shrank lists shows.", valueName: "N"))
    var top = 10
    @Flag(name: .customLong("allow-different-hosts"), help: "Compare recordings from different hosts or kernels instead of calling it inconclusive.")
    var allowDifferentHosts = false
    @Flag(name: .customLong("by-comm"), help: "Match the keys of -P / -L by their comm: two runs of one workload have other pids.")
    var byComm = false
    @Option(name: .customLong("from"), help: ArgumentHelp("Start of the compared span in both recordings (as the tools' --from).", valueName: "TIME"))
    var from: String?
    @Option(name: .customLong("to"), help: ArgumentHelp("End of the compared span in both recordings.", valueName: "TIME"))
    var to: String?
    @Argument(help: ArgumentHelp("The base recording, the new one, then the tool and its flags (none: the default suite).", valueName: "BASE.trc NEW.trc [TOOL [TOOL's flags]]"))
    var words: [String] = []

    public init() {}

    /// compare's own options taking a value, and its flags: long names only, so a tool's
    /// flags (-D, -L, -p 185) never collide with them.
    static let valued: Set<String> = ["--base", "--new", "--fail-if", "--format", "--min-change", "--alpha", "--min-samples", "--intervals", "--bootstrap", "--seed", "--from", "--to", "--folded-diff", "--top"]
    static let flags: Set<String> = ["--allow-different-hosts", "--by-comm", "--help", "-h"]

    /// Splits the command line into compare's options and the rest (BASE NEW TOOL flags...).
    static func split(_ args: [String]) throws -> (own: [String], words: [String]) {
        let s = WrapperArguments.split(RunArguments.attachFollowing(args), valued: valued, flags: flags)
        if let m = s.missingValue { throw CompareUsageError("\(m) needs a value") }
        return (s.own, s.words)
    }

    /// `bpfan compare ARGS`: the exit status (help: 0).
    public static func entry(_ args: [String], streaming: Bool = true) -> (status: Int32, output: ToolOutput) {
        var command: CompareCommand
        do {
            let (own, words) = try split(args)
            command = try CompareCommand.parse(own)
            command.words = words
        } catch let e as CompareUsageError {
            var out = ToolOutput(streaming: streaming)
            out.warn("bpfan compare: \(e.message)")
            return (2, out)
        } catch {
            var out = ToolOutput(streaming: streaming)
            if CompareCommand.exitCode(for: error).isSuccess {
                out.note(CompareCommand.fullMessage(for: error) + "\n")
                out.flush()
                return (0, out)
            }
            out.warn("bpfan compare: \(CompareCommand.message(for: error))")
            return (2, out)
        }
        return command.execute(arguments: args, streaming: streaming)
    }

    public func run() throws {
        let (status, _) = execute(arguments: Array(CommandLine.arguments.dropFirst(2)), streaming: true)
        if status != 0 { throw ExitCode(status) }
    }

    func execute(arguments: [String], streaming: Bool) -> (status: Int32, output: ToolOutput) {
        let mode: ToolOutput.Mode
        switch format {
        case "text": mode = .text
        case "markdown": mode = .markdown
        case "json": mode = .json
        case "junit": mode = .junit
        default:
            var out = ToolOutput(streaming: streaming)
            out.warn("bpfan compare: --format '\(format)': expected text, markdown, json or junit")
            return (2, out)
        }
        var out = ToolOutput(streaming: streaming, mode: mode)
        do {
            let request = try makeRequest(arguments: arguments)
            let status = CompareSession.run(request, into: &out)
            out.flush()
            return (status, out)
        } catch let e as CompareUsageError {
            out.warn("bpfan compare: \(e.message)")
        } catch {
            out.warn("bpfan compare: \(error)")
        }
        return (2, out)
    }

    func makeRequest(arguments: [String]) throws -> CompareRequest {
        var r: CompareRequest
        if !baseRuns.isEmpty || !newRuns.isEmpty {
            r = try RunArguments.request(base: baseRuns, new: newRuns, words: words)
        } else {
            r = try positionalRequest()
        }
        r.arguments = arguments
        r.settings.minChange = try Self.percent(minChange, flag: "--min-change")
        guard alpha > 0 && alpha < 1 else { throw CompareUsageError("--alpha \(alpha): must lie between 0 and 1") }
        r.settings.alpha = alpha
        guard minSamples >= 2 else { throw CompareUsageError("--min-samples \(minSamples): must be at least 2") }
        r.settings.minSamples = minSamples
        guard intervals >= 3 && intervals <= 10_000 else { throw CompareUsageError("--intervals \(intervals): must be 3 to 10000") }
        r.settings.intervals = intervals
        guard replicates >= 100 && replicates <= 1_000_000 else { throw CompareUsageError("--bootstrap \(replicates): must be 100 to 1000000") }
        r.settings.replicates = replicates
        r.settings.seed = seed
        r.conditions = try failIf.map { try FailCondition($0) }
        r.allowDifferentHosts = allowDifferentHosts
        r.byComm = byComm
        r.from = from
        r.to = to
        guard top >= 1 else { throw CompareUsageError("--top \(top): must be at least 1") }
        r.top = top
        r.foldedDiff = foldedDiff
        return r
    }

    /// `BASE.trc NEW.trc [TOOL ...]`, either a rotated set.
    func positionalRequest() throws -> CompareRequest {
        guard words.count >= 2 else {
            let missing = ["BASE.trc", "NEW.trc"].dropFirst(words.count).joined(separator: " ")
            throw CompareUsageError("missing \(missing); usage: bpfan compare BASE.trc NEW.trc [TOOL [TOOL's flags]]")
        }
        // Either side may be a rotated set: its numbered files, one after another.
        let base = RecordingPaths.numberedSet(words, at: 0)
        // `compare base.*.trc syscount`: a set took every file and the tool's name came next.
        let next = base.count < words.count ? words[base.count] : nil
        guard let next, !(ComparableTools.named(next) != nil && !RecordingPaths.isFile(next)) else {
            throw CompareUsageError("missing NEW.trc after the base recording \(RecordingPaths.shown(base.argument)); usage: bpfan compare BASE.trc NEW.trc [TOOL [TOOL's flags]]")
        }
        let new = RecordingPaths.numberedSet(words, at: base.count)
        let rest = words.dropFirst(base.count + new.count)
        return CompareRequest(base: [base.argument], new: [new.argument], tool: rest.first, toolArguments: Array(rest.dropFirst()))
    }

    /// `5%`, `5` or `0.5%` as a fraction.
    static func percent(_ s: String, flag: String) throws -> Double {
        let number = s.hasSuffix("%") ? String(s.dropLast()) : s
        guard let v = Double(number), v.isFinite, v >= 0 else { throw CompareUsageError("\(flag) '\(s)': expected a percentage like 5%") }
        return v / 100
    }
}
