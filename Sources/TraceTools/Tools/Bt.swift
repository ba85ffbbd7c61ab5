import ArgumentParser
import Foundation
import OfflineBpftrace
import TraceAnalysis
import TraceReport

/// `bpfan bt`: a bpftrace program run over a recording, offline. Its tracepoint probes are
/// served by the recorded events (any -e tracepoint, the irq family, syscalls:sys_enter_X /
/// sys_exit_X from the syscalls family), in time order; BEGIN, END and interval probes run on
/// recording time; maps print at the end as bpftrace 0.17 prints them.
public struct Bt: RecordingTool {
    public static let toolName = "bt"
    public static let notes = "bpftrace programs over recorded tracepoints, profile:hz at the recorded rate, BEGIN, END, interval; kprobes and uprobes not served; the shipped .bt scripts run through it"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Run a bpftrace program over a recording.",
        discussion: """
        The program is bpftrace's language (0.17): probes, /predicates/, maps and aggregations (count sum avg min max stats hist lhist), printf, print, clear, zero, delete, exit, time, str, ksym, join(args->argv) of execve, ntop(addr) and ntop(af, addr), $1... positional parameters. Tracepoint fields are args->FIELD as the kernel's format names them (the dedicated families' tables too: sock:inet_sock_set_state and tcp:tcp_retransmit_skb from the tcp family, where args->saddr/daddr of an AF_INET6 socket read 0.0.0.0 since its IPv4 address is not recorded); pid tid comm cpu nsecs elapsed probe, and uid: the thread's real uid at the event, replayed from the process snapshot, forks, execs and the syscall_detail rows of the setuid family (wrong until the thread's next recorded syscall_detail row after a setuid call the recording lost, or one by a set-user-ID program whose real uid was not 0). profile:hz:N fires at each recorded CPU sample, where N is the recorded rate (bpfrec record --stack-freq). tracepoint:bpfrec:load_average fires at each of the recorder's once-a-second reads of /proc/loadavg (every recording bpfrec makes), with args->load1, load5 and load15 in hundredths, runnable, threads and last_pid; cat(\"/proc/loadavg\") prints the latest of those reads before the event (any other file would be the analysing machine's, and is refused). kstack is the stack the recording took at the event (bpfrec record --stack-events EVENT --stack kernel, and every CPU sample); ustack likewise, named from the recorded process maps and symbols. Programs that only aggregate run on every core. Of the current task, curtask->pid, ->tgid, ->comm and ->real_parent->pid, ->tgid, ->comm are served (the parent thread, replayed from the process tables), and ->se.cfs_rq->nr_running at profile probes (the run-queue length each CPU sample recorded); of user memory, args->rqtp->tv_sec and ->tv_nsec of nanosleep and clock_nanosleep (the timespec the syscalls family keeps). What a recording does not hold (kprobes, uprobes, other dereferences and struct casts, gid, cgroup...) is refused with its name, never run with a made-up value. Maps hold up to 10,000,000 keys (BPFTRACE_MAP_KEYS_MAX sets another bound): past it the run stops with an error, where live bpftrace would drop the updates past its 4096.

        The .bt tools bpfan ships (runqlat.bt, opensnoop.bt, ...) are scripts run by this interpreter: `bpfan runqlat.bt --source` prints one to start yours from. Under --json, bpftrace's own -f json records follow bpfan's header.

        EXAMPLES:
            bpfan bt -e 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }' \\
                run.trc
            bpfan bt -e 't:syscalls:sys_exit_read /args->ret > 0/ {
                    @bytes = hist(args->ret); }' run.trc
            bpfan bt -e 't:irq:irq_handler_entry { @[args->irq] = count(); }
                    interval:s:1 { print(@); clear(@); }' run.trc
            bpfan bt script.bt run.trc 1234          # $1 is 1234
            bpfan bt -l 't:syscalls:*open*' run.trc    # the probes this recording
                                                       # serves
        """)

    @Option(name: .customShort("e", allowingJoined: true), help: ArgumentHelp("program to run (else the first argument names a .bt file)", valueName: "PROGRAM"))
    var program: String?
    @OptionGroup var output: BtOutputFormat
    @Flag(name: .customShort("l"), help: "list the probes the recording serves (optionally matching a pattern)")
    var list = false
    @Flag(name: .customShort("v"), help: "with -l: the fields of each tracepoint")
    var verbose = false
    @Flag(name: .customLong("map-kprobes"), help: "serve the .bt tools' kprobes that a recorded tracepoint fires beside (blk_account_io_start/done, blk_mq_start_request: arg0 is the request), saying each substitution on stderr")
    var mapKprobes = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("[FILE.bt] RECORDING [ARGS...]", valueName: "arguments"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { [] }
    public var lossFamilies: Set<String> { [] }

    public func recordingArgument() throws -> (path: String, numbers: [Int]) {
        if list {
            guard let path = positionals.last else { throw AnalysisError("missing the recording (.trc) argument") }
            return (path, [])
        }
        let index = program == nil ? 1 : 0
        guard positionals.count > index else {
            throw AnalysisError(program == nil ? "give a program with -e 'PROGRAM', or a .bt file, then the recording" : "missing the recording (.trc) argument")
        }
        return (RecordingPaths.leading(positionals, at: index).argument, [])
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if list { return try listProbes(rec, into: &out) }
        let source: String
        let first = program == nil ? 1 : 0
        var args = Array(positionals.dropFirst(first + (list ? 1 : RecordingPaths.leading(positionals, at: first).count)))
        if let program { source = program } else {
            let file = positionals[0]
            guard let data = FileManager.default.contents(atPath: file) else { throw AnalysisError("\(file): cannot read the program") }
            source = String(decoding: data, as: UTF8.self)
        }
        if args.first == "--" { args.removeFirst() }
        let name = program == nil ? positionals[0] : "program"
        do {
            let parsed = try BtParser.parse(source)
            try BtRun.run(parsed, rec, positionals: args, format: output.format, tool: Self.toolName, mapKprobes: mapKprobes, into: &out)
        } catch let e as BtError {
            // A runtime error has no position: then the program is named by itself ("program: …").
            throw AnalysisError(e.position == nil ? "\(name): \(e)" : "\(name):\(e)")
        }
    }

    func listProbes(_ rec: Recording, into out: inout ToolOutput) throws {
        let pattern = positionals.count > 1 ? positionals[0] : "*"
        var b = RowLayout.Builder(.row, "probe")
        b.add("probe", header: "", "", row: "%s\n")
        let layout = b.layout
        let bare = pattern.hasPrefix("tracepoint:") ? String(pattern.dropFirst(11)) : pattern.hasPrefix("t:") ? String(pattern.dropFirst(2)) : pattern
        for event in rec.servableTracepoints where BtGlob.matches(bare, event) {
            out.row(layout, [.string("tracepoint:" + event)])
            if verbose, let source = try? rec.tracepointSource(event) {
                for f in source.fields { out.text("    \(f.name)\n") }
            }
        }
    }
}
