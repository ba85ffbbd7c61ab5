import ArgumentParser
import Foundation
import TraceRecorder

public struct Record: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Record events system-wide (or for -p / --cgroup / a command) until the duration ends, the command exits, or SIGINT/SIGTERM.",
        usage: """
            bpfrec record -o FILE [options]
            bpfrec record -o FILE [options] -- CMD [ARGS...]
            """,
        discussion: """
            With -- CMD ARGS, bpfrec starts recording, then runs CMD (searched in PATH, with \
            bpfrec's environment, terminal and privileges), records only it and its descendants \
            (as -p would; -a records every process), stops when it exits and exits with its \
            status (128 + the signal when a signal killed it). Ctrl-C reaches CMD too; SIGTERM \
            and the end of -d are passed on to it as SIGTERM; it is given \
            2 s to exit, recorded, before the recording stops.
            """)

    @Option(name: .short, help: ArgumentHelp("Output file (created with mode 0600; see --owner).", valueName: "FILE"))
    var output: String

    @Option(name: [.customShort("d", allowingJoined: true), .customLong("duration")], help: ArgumentHelp("Stop after this many seconds.", valueName: "SECONDS"))
    var duration: Double?

    @Option(help: ArgumentHelp("Comma-separated families to record (see `bpfrec families`), and presets of tracepoints (signal); default all but the opt-in ones (tcpio), 'all' every one; 'none' with -e records only those events.", valueName: "LIST"))
    var families: String?

    @Option(name: [.customShort("e"), .customLong("event")], help: ArgumentHelp("""
        Also record this tracepoint, generically (repeatable, or comma-separated as perf takes \
        them: -e sched:sched_waking,sched:sched_wakeup; globs: -e 'irq:*'). Add \
        :FIELD=str[,FIELD=str] to read the strings pointer fields point to, at the event \
        (-e syscalls:sys_enter_openat:filename=str gives filename_str, up to 255 bytes). Every \
        hit is recorded, filtered in the kernel only by -p and --cgroup; measured on sched_switch \
        (2 vCPUs, 6.18): 200 ns of BPF time per hit (165 ns for the sched family's tp_btf \
        program) and about 2.2 bytes in the file. Classic tracepoint programs were seen to miss \
        hits in interrupt context without counting them (irq:softirq_entry): record those with \
        --families irq.
        """, valueName: "SUBSYS:EVENT[:FIELD=str]"))
    var events: [String] = []

    @Option(name: .customLong("stack-events"), help: ArgumentHelp("""
        Record these tracepoints with a stack at every hit (comma-separated, repeatable, globs \
        as -e: --stack-events 'block:block_rq_insert,sched:sched_wakeup'). They are recorded \
        generically as -e records them, so naming them with -e too is not needed; the stacks \
        go in the event's table as kstack/ustack columns, each distinct stack stored once per \
        chunk, and feed bpfan stackcount. A stack walk costs more than the rest of the capture: \
        measured (bpf_stats run_time_ns/run_cnt, 2 vCPUs, 6.18) on a getppid storm, 260 ns per \
        hit without stacks, 1.3 us with the user stack, 2.5 us with the kernel stack, 3.4 us \
        with both, and 1.3 -> 2.1 bytes per event in the file; on sched_wakeup (deeper, \
        interrupt-context stacks) 1.1 us -> 7.5 us and 4.0 -> 13 bytes per event. Name only \
        the events whose stacks you need.
        """, valueName: "SUBSYS:EVENT,..."))
    var stackEvents: [String] = []

    @Option(name: .customLong("stack"), help: ArgumentHelp("""
        Which stacks --stack-events take: kernel, user or kernel,user (default). User frames \
        are named offline from the memory maps and ELF symbols recorded for every process seen \
        with a user stack.
        """, valueName: "KINDS"))
    var stack: String?

    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("""
        Record only this process and its descendants (repeatable). The proc family is always \
        recorded with -p: its fork program follows the descendants.
        """, valueName: "PID"))
    var pids: [Int32] = []

    @Flag(name: [.customShort("a"), .customLong("all")], help: "With -- CMD: record every process while CMD runs, not only CMD and its descendants.")
    var allProcesses = false

    @Option(help: ArgumentHelp("""
        Give the recording to this user (USER, UID, USER:GROUP). Default under sudo: the user \
        who ran sudo (SUDO_UID/SUDO_GID), so that bpfan can open it without root; it stays 0600.
        """, valueName: "USER"))
    var owner: String?

    @Option(name: .customLong("max-size"), help: ArgumentHelp("""
        Stop recording before the file grows past SIZE (bytes, or with K, M, G, T: powers of \
        1024; at least 1M). The file is closed cleanly, and the end line and bpfan info say \
        that the limit stopped it.
        """, valueName: "SIZE"))
    var maxSize: String?

    @Option(name: .customLong("ring"), help: ArgumentHelp("""
        Flight recorder: keep only the newest SIZE bytes of chunks (K, M, G as --max-size; at \
        least 1M), dropping the oldest whole chunks to make room, until stopped. The file is \
        readable at every moment (a kill -9 leaves the last SIZE); schemas, metadata, the \
        process snapshot and memory maps are kept apart and never dropped. bpfan info states \
        what was dropped and the span kept. The file is format 2.0: bpfan from this version on reads it, older ones refuse it by its version.
        """, valueName: "SIZE"))
    var ring: String?

    @Option(name: .customLong("rotate"), help: ArgumentHelp("""
        Write numbered files instead of one: -o run.trc gives run.0001.trc, run.0002.trc ..., \
        the next begun before a file would pass SIZE (as --max-size) or once it is DURATION \
        old (30s, 10min, 1h; 10m is refused as ambiguous). Each is a whole recording on its own; `bpfan TOOL run.*.trc` reads \
        them as one. A full disk stops the recording with every finished file whole.
        """, valueName: "SIZE|DURATION"))
    var rotate: String?

    @Option(help: ArgumentHelp("Record process-context events only from this cgroup v2 directory.", valueName: "PATH"))
    var cgroup: String?

    @Option(name: .customLong("ring-size"), help: ArgumentHelp("Ring buffer size in MiB, a power of two (1-1024).", valueName: "MB"))
    var ringSize = 16

    @Option(name: .customLong("flush-interval"), help: ArgumentHelp("Write buffered rows at least this often (50-60000 ms).", valueName: "MS"))
    var flushInterval = 1000

    @Option(name: .customLong("stack-freq"), help: ArgumentHelp("""
        cpu-clock stack samples per second per CPU (1-1000), stacks family: the perf event of \
        bcc profile (software cpu-clock on every CPU, every task, idle included), each with its \
        kernel and user stack (cpu_sample: bpfan profile, runqlen, cpuunclaimed). The default \
        is 49 Hz, profile's; bpfan profile -F takes this rate or a divisor of it, runqlen and \
        cpuunclaimed want 99. Measured (bpf_stats, 2 vCPUs, 6.18, both CPUs busy): 6.7-7.7 us \
        of BPF time per sample, i.e. 0.03% of each CPU at 49 Hz, 0.08% at 99 Hz, about 0.8% at \
        1000 Hz; 18-24 bytes per sample in the file, plus the ELF symbol tables of each program \
        seen in a user stack.
        """, valueName: "HZ"))
    var stackFreq = 49

    @Flag(name: .customLong("no-offcpu-stacks"), help: "Do not record stacks of tasks as they block (stacks family).")
    var noOffCPUStacks = false
    @Option(name: .customLong("offcpu-stacks"), help: ArgumentHelp("""
        Which switch-outs get an off-CPU stack (stacks family): blocked (tasks leaving in a \
        sleeping state, the default) or all (preempted and yielding tasks too, as the live \
        offcputime records them: bpfan offcputime then matches it). all costs a kernel and user \
        stack walk and a 2 KB ring record at every context switch, with no dedup of stacks in the kernel yet. Measured with bpf_stats \
        (run_time_ns/run_cnt of bpfrec's sched_switch stack program): on a 3-thread contention \
        workload 1.7-4.5 us per switch-out against 1.4-1.5 us for blocked (the live \
        offcputime's program, beside it: 1.9-3.0 us). On W2 (a context-switch storm, 400k \
        switches in 2 s, a quarter to a half of them preemptions) the 2 KB records overflow \
        the ring: 534k of 1.06M events lost (blocked: 86k of 0.95M). Use it for offcputime \
        over ordinary loads, not storms, until stacks are deduplicated in the kernel.
        """, valueName: "blocked|all"))
    var offCPUStacks = "blocked"

    @Flag(inversion: .prefixedNo, help: """
        A live line of events, bytes, bytes/event and loss per second, redrawn in place (with \
        --ring, the bytes written and what the ring dropped; with --rotate, over all files). On \
        by default when stderr is a terminal; never written into a pipe or a file.
        """)
    var status: Bool?

    @Flag(help: "Overwrite FILE if it exists.")
    var force = false

    @Flag(name: .customLong("verbose"), help: "Print libbpf's messages.")
    var verbose = false

    // Testing aid: leave the ring undrained this long after attaching (forces a counted overflow).
    @Option(name: .customLong("debug-stall-drain"), help: .hidden)
    var stallDrain = 0

    // At stop, seconds symbol extraction may still run (tests on slow debug builds raise it).
    @Option(name: .customLong("symbol-grace"), help: .hidden)
    var symbolGrace = 3.0

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run and record (after --).", valueName: "CMD ARGS"))
    var command: [String] = []

    public func validate() throws {
        if let d = duration, !(d > 0) { throw ValidationError("-d: expected a positive number of seconds, got \(d)") }
        guard ringSize >= 1, ringSize <= 1024, ringSize & (ringSize - 1) == 0 else {
            throw ValidationError("--ring-size: expected a power of two between 1 and 1024 MiB, got \(ringSize)")
        }
        guard (50...60000).contains(flushInterval) else { throw ValidationError("--flush-interval: expected 50-60000 ms, got \(flushInterval)") }
        guard (1...1000).contains(stackFreq) else { throw ValidationError("--stack-freq: expected 1-1000 Hz, got \(stackFreq)") }
        for p in pids where p <= 0 || !FileManager.default.fileExists(atPath: "/proc/\(p)") {
            throw ValidationError("-p \(p): no such process")
        }
        if let c = cgroup, !FileManager.default.fileExists(atPath: c) { throw ValidationError("--cgroup \(c): no such directory") }
        if allProcesses && command.isEmpty { throw ValidationError("-a: records every process while a command runs; give the command after --") }
        if allProcesses && (!pids.isEmpty || cgroup != nil) { throw ValidationError("-a: records every process; it does not go with -p or --cgroup") }
    }

    /// What the flags ask of the recorder, each flag checked (the checks that need no kernel):
    /// everything `run` does before it records. A refusal names its flag.
    public func options() throws(RecorderError) -> RecorderOptions {
        var families = Family.defaults
        var presetEvents: [String] = []
        if let list = families_ { (families, presetEvents) = try Family.parseList(list) }
        var o = RecorderOptions(output: output, families: families)
        o.familiesExplicit = families_ != nil
        o.events = presetEvents + (try RecorderOptions.splitEventLists(events))
        o.stackEvents = try RecorderOptions.parseStackEvents(stackEvents)
        if let stack {
            guard !o.stackEvents.isEmpty else { throw RecorderError("--stack \(stack): says which stacks --stack-events take, and no --stack-events was given") }
            o.stacks = try RecorderOptions.parseStacks(stack)
        }
        o.duration = duration
        o.pids = pids.map { UInt32($0) }
        o.cgroupPath = cgroup
        o.ringSizeMB = ringSize
        o.flushIntervalMs = flushInterval
        o.stackFrequency = stackFreq
        o.offCPUStacks = !noOffCPUStacks
        guard ["blocked", "all"].contains(offCPUStacks) else {
            throw RecorderError("--offcpu-stacks '\(offCPUStacks)': expected blocked or all")
        }
        o.offCPUStacksAtEverySwitch = offCPUStacks == "all"
        o.overwrite = force
        o.commandLine = CommandLine.arguments
        o.stallDrainMs = stallDrain
        o.verbose = verbose
        o.symbolGraceSeconds = symbolGrace
        o.command = command
        o.systemWide = allProcesses
        if let maxSize { o.maxSize = try RecorderOptions.parseSize(maxSize) }
        if let ring { o.ring = try RecorderOptions.parseSize(ring, flag: "--ring") }
        if let rotate { (o.rotateBytes, o.rotateSeconds) = try RecorderOptions.parseRotation(rotate) }
        let bounds = [maxSize.map { _ in "--max-size" }, ring.map { _ in "--ring" }, rotate.map { _ in "--rotate" }].compactMap { $0 }
        if bounds.count > 1 { throw RecorderError("\(bounds.joined(separator: " and ")): give one way of bounding the recording") }
        o.owner = try FileOwner.choose(option: owner)
        return o
    }

    public func run() throws {
        let o: RecorderOptions
        do throws(RecorderError) { o = try options() } catch {
            // One line, like the recorder's own refusals (no usage text after it).
            printError("bpfrec: error: \(error.message)")
            throw ExitCode(64)
        }
        // A command that cannot be found is refused before anything is recorded (127, as sh).
        if let name = command.first, LaunchedCommand.resolve(name) == nil {
            printError("bpfrec: error: -- \(name): command not found\(name.contains("/") ? " or not executable" : " in PATH")")
            throw ExitCode(127)
        }
        let live = isatty(2) == 1 && status != false
        if status == true && !live { printError("bpfrec: warning: --status: stderr is not a terminal; the live line is only drawn on one") }
        // The live line is redrawn in place; any other line first clears it.
        let statusLine = StatusOnTerminal()
        let summary: RecordingSummary
        do {
            summary = try Recorder.record(o, ready: { statusLine.print($0) }, warn: { statusLine.print($0) },
                                          status: live ? { statusLine.draw($0) } : nil)
        } catch let e as RecorderError {
            printError("bpfrec: error: \(e.message)")
            throw ExitCode(1)
        }
        printError(summary.line)
        // With a command, bpfrec's status is the command's.
        if let code = summary.commandExitCode, code != 0 { throw ExitCode(code) }
    }

    private var families_: String? { families }
}

/// The status line on the terminal: `draw` replaces it ("" erases it); `print` writes a line
/// of its own above it.
final class StatusOnTerminal {
    private var shown = ""

    func draw(_ line: String) {
        // Cut to the terminal's width so that it never wraps (a wrapped line cannot be redrawn).
        var ws = winsize()
        let width = ioctl(2, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 1 ? Int(ws.ws_col) - 1 : 79
        let text = String(line.prefix(width))
        FileHandle.standardError.write(Data(("\r\u{1b}[K" + text).utf8))
        shown = text
    }

    func print(_ line: String) {
        if !shown.isEmpty {
            FileHandle.standardError.write(Data("\r\u{1b}[K".utf8))
            shown = ""
        }
        printError(line)
    }
}

/// One line to fd 2 (Swift 6 refuses the global `stderr`).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
