import Foundation
import Testing
import TraceAnalysis
import TraceReport
import TraceTestSupport
@testable import OfflineBpftrace

/// Programs that only aggregate run on every core in no event order (foldTracepoints); they
/// must print exactly what the time-ordered run prints, on both bundled samples.
@Suite struct BtOrderIndependenceTests {
    static let samples = ["mixed.trc", "offcpu.trc"].map {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/\($0)").path
    }

    static let programs = [
        "tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }",
        "tracepoint:raw_syscalls:sys_enter { @[comm, pid] = count(); @n = count(); }",
        // BtCountingProbe's shapes: per comm over several probes into one map, and key-less.
        "tracepoint:syscalls:sys_enter_* { @[comm] = count(); } tracepoint:sched:sched_wakeup { @w = count(); }",
        "tracepoint:sched:sched_switch { @[comm] = count(); } tracepoint:sched:sched_switch { @s = count(); }",
        "tracepoint:raw_syscalls:sys_enter { @[pid] = count(); } tracepoint:sched:sched_wakeup { @c[cpu] = count(); } tracepoint:sched:sched_switch { @t[tid] = count(); }",
        "tracepoint:raw_syscalls:sys_exit /args->ret >= 0/ { @bytes[comm] = sum(args->ret); @lo = min(args->ret); @hi = max(args->ret); @a[comm] = avg(args->ret); }",
        "tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_write { @[probe, comm] = count(); @c[tid]++; @d -= 2; }",
        "tracepoint:sched:sched_switch { @h = hist(args->prev_state); @l[cpu] = lhist(args->next_pid % 100, 0, 100, 10); @s = stats(args->next_pid); }",
        "BEGIN { @n = 5; } tracepoint:sched:sched_wakeup /args->pid != 0/ { @n += 1; $x = args->target_cpu; if ($x == 0) { @cpu0[comm] = count(); } else { @other = count(); } } END { printf(\"%d\\n\", @n); }",
    ]

    @Test(arguments: programs)
    func parallelRunPrintsTheOrderedRunsOutput(program: String) throws {
        let parsed = try BtParser.parse(program)
        #expect(BtOrderIndependence.holds(parsed))
        for path in Self.samples {
            let rec = try Recording(path: path)
            var ordered = ToolOutput(mode: .text), unordered = ToolOutput(mode: .text)
            do {
                try BtInterpreter.run(parsed, rec, positionals: [], ordered: true, into: &ordered)
            } catch let e as BtError where e.message.contains("not in this recording") || e.message.contains("matches no tracepoint") {
                continue  // offcpu.trc holds no syscalls
            }
            try BtInterpreter.run(parsed, rec, positionals: [], into: &unordered)
            #expect(unordered.stdout.count > 40, "\(path): \(unordered.stdout)")
            #expect(unordered.stdout == ordered.stdout, "\(path)")
            #expect(unordered.stderr == ordered.stderr, "\(path)")
        }
    }

    static let latencyPrograms = [
        "tracepoint:raw_syscalls:sys_enter { @s[tid] = nsecs; } tracepoint:raw_syscalls:sys_exit /@s[tid]/ { @ns = hist(nsecs - @s[tid]); delete(@s[tid]); }",
        "t:raw_syscalls:sys_enter { @start[tid] = nsecs; } t:raw_syscalls:sys_exit /@start[tid]/ { @us[comm] = lhist((nsecs - @start[tid]) / 1000, 0, 100, 5); delete(@start[tid]); }",
        "BEGIN { printf(\"go\\n\"); } tracepoint:syscalls:sys_enter_read { @s[tid] = nsecs; } tracepoint:syscalls:sys_exit_read /@s[tid]/ { @t[pid] = sum(nsecs - @s[tid]); delete(@s[tid]); } END { print(@t); clear(@t); }",
        "tracepoint:raw_syscalls:sys_enter { @s[tid] = nsecs; } tracepoint:raw_syscalls:sys_exit /@s[tid]/ { @st = stats(nsecs - @s[tid]); @mx = max(nsecs - @s[tid]); delete(@s[tid]); }",
    ]

    /// bpftrace's syscall-latency idiom folded into one probe over the call rows
    /// (BtSyscallLatencyIdiom) prints what the program as written prints in time order, stderr
    /// included; a shape it does not take (two aggregations, above) runs as written.
    @Test(arguments: latencyPrograms)
    func syscallLatencyIdiomPrintsWhatTheProgramAsWrittenPrints(program: String) throws {
        let parsed = try BtParser.parse(program)
        let whole = try Recording(path: Self.samples[0])
        let folds = BtSyscallLatencyIdiom.rewrite(parsed, whole)
        #expect((folds != nil) == !program.contains("@mx"), "\(program)")
        if let folds { #expect(folds.program.probes.count == parsed.probes.count - 1 && folds.stamps.count == 1) }
        // A window cuts calls in two at its edges: the program then runs as written.
        let windowed = try whole.windowed(from: "0.5", to: "1.5")
        #expect(BtSyscallLatencyIdiom.rewrite(parsed, windowed) == nil)
        for rec in [whole, windowed] {
            var ordered = ToolOutput(mode: .text), folded = ToolOutput(mode: .text)
            try BtInterpreter.run(parsed, rec, positionals: [], ordered: true, into: &ordered)
            try BtInterpreter.run(parsed, rec, positionals: [], into: &folded)
            #expect(folded.stdout.count > 60, "\(folded.stdout)")
            #expect(folded.stdout == ordered.stdout)
            #expect(folded.stderr == ordered.stderr)
        }
    }

    /// A call whose exit may fall after the analysed span could leave its stamp in @s, printed
    /// at exit: the program then runs as written, whatever the scan does with that exit.
    @Test func syscallLatencyIdiomKeepsTheProgramWhenACallEndsAfterTheRecording() throws {
        let s = SyntheticRecording()
        s.duration = 1_000_000_000
        s.add("syscall", ["ts": ns(0.5), "pid": 7, "tid": 7, "id": 0, "ret": 1, "duration": 100_000_000])
        s.add("syscall", ["ts": ns(0.95), "pid": 7, "tid": 8, "id": 0, "ret": 1, "duration": 200_000_000])
        let rec = try Recording(path: try s.write())
        let parsed = try BtParser.parse(Self.latencyPrograms[0])
        #expect(BtSyscallLatencyIdiom.rewrite(parsed, rec) == nil)
        var ordered = ToolOutput(mode: .text), unordered = ToolOutput(mode: .text)
        try BtInterpreter.run(parsed, rec, positionals: [], ordered: true, into: &ordered)
        try BtInterpreter.run(parsed, rec, positionals: [], into: &unordered)
        #expect(unordered.stdout == ordered.stdout && ordered.stdout.contains("@ns: "), "\(ordered.stdout)")
    }

    /// Only an unfiltered `@m = count()` or `@m[comm] = count()` is counted per chunk; anything
    /// else runs its body per event.
    @Test func onlyPlainCountsAreCountedPerChunk() throws {
        let maps = BtMaps(), columns = TracepointColumns()
        for (p, counted) in [("t:a:b { @[comm] = count(); }", true), ("t:a:b { @n = count(); }", true),
                             ("t:a:b { @[pid] = count(); }", true), ("t:a:b { @[tid] = count(); }", true), ("t:a:b { @[cpu] = count(); }", true),
                             ("t:a:b /pid == 1/ { @[comm] = count(); }", false), ("t:a:b { @[uid] = count(); }", false),
                             ("t:a:b { @[args->id] = count(); }", false), ("t:a:b { @[probe] = count(); }", false),
                             ("t:a:b { @[comm, pid] = count(); }", false), ("t:a:b { @[comm] = count(); @n = count(); }", false),
                             ("t:a:b { @[comm] = sum(1); }", false), ("t:a:b { @[comm]++; }", false)] {
            #expect((BtCountingProbe(try BtParser.parse(p).probes[0], columns: columns, maps: maps) != nil) == counted, "\(p)")
        }
    }

    @Test func programsThatDependOnOrderAreRunInOrder() throws {
        for p in ["t:raw_syscalls:sys_enter { @last[cpu] = tid; }", "t:raw_syscalls:sys_enter { printf(\"%d\\n\", tid); }",
                  "t:raw_syscalls:sys_enter { @n++; if (@n > 3) { exit(); } }", "t:raw_syscalls:sys_enter { @n = count(); } interval:s:1 { print(@n); clear(@n); }",
                  "t:raw_syscalls:sys_enter { @t[tid] = nsecs; } t:raw_syscalls:sys_exit /@t[tid]/ { @h = hist(nsecs - @t[tid]); delete(@t[tid]); }"] {
            #expect(!BtOrderIndependence.holds(try BtParser.parse(p)), "\(p)")
        }
    }
}
