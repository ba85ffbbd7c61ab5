import Foundation
import Testing
import TraceTestSupport
@testable import OfflineBpftrace
@testable import TraceTools
import TraceReport

/// `bpfan bt` over the synthetic recording of ArgdistTraceTests: bash (300) signals 400
/// twice (SIGUSR1) and 600 once (SIGKILL, failing) in the first second, sleep (400) signals
/// 300 at 1.5 s; cat (700) opens /etc/passwd twice and a file whose name was not read.
@Suite struct BtTests {
    func bt(_ program: String, _ args: [String] = []) throws -> ToolOutput {
        try runTool(Bt.self, ["-e", program, try tracepointToolsRecording()] + args)
    }

    @Test func mapsPrintAtExitAsBpftraceDoes() throws {
        let r = try bt("""
        BEGIN { printf("Tracing signals...\\n"); }
        tracepoint:signal:signal_generate /args->errno == 0/ {
          @sent[comm, args->sig] = count(); @bytarget[args->pid] = sum(1);
          @h = hist(args->sig); @l = lhist(args->sig, 0, 20, 5); @s = stats(args->sig); @a = avg(args->sig);
          @lo = min(args->sig); @hi = max(args->sig); @last = args->sig; @who = comm;
        }
        END { printf("done\\n"); }
        """)
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        #expect(r.stdout == """
        Attaching 3 probes...
        Tracing signals...
        done


        @a: 12

        @bytarget[300]: 1
        @bytarget[400]: 2
        @h: 
        [8, 16)                2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
        [16, 32)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

        @hi: 17
        @l: 
        [10, 15)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
        [15, 20)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

        @last: 17
        @lo: 10
        @s: count 3, average 12, total 37

        @sent[sleep, 17]: 1
        @sent[bash, 10]: 2
        @who: sleep

        """)
    }

    @Test func printfScratchVariablesConditionsAndPositionals() throws {
        let r = try bt("""
        t:signal:signal_generate {
          $s = args->sig; $s *= 2;
          if ($s > 18 && comm == "bash") { printf("%-6s %5d %x %s\\n", comm, $s, args->pid, probe); }
          else if (pid == $1) { printf("%d at %d ms\\n", tid, elapsed / 1000000); }
        }
        """, ["400"])
        #expect(r.stdout == """
        Attaching 1 probe...
        bash      20 190 tracepoint:signal:signal_generate
        bash      20 190 tracepoint:signal:signal_generate
        400 at 1500 ms



        """)
    }

    @Test func intervalProbesFireOnRecordingTime() throws {
        let r = try bt("t:signal:signal_generate { @n = count(); } interval:s:1 { print(@n); clear(@n); } interval:ms:1500 { exit(); }")
        // At 1 s three signals were counted; exit at 1.5 s runs before the signal at 1.5 s.
        #expect(r.stdout == "Attaching 3 probes...\n@n: 3\n\n\n@n: 0\n")
    }

    /// print(), clear(), zero() and delete() of every kind of map, as bpftrace 0.17 printed them
    /// (BtMapSemanticsCases; the root test runs the live bpftrace on the same programs).
    @Test(arguments: BtMapSemanticsCases.cases.indices)
    func mapActionsAreBpftraces(_ i: Int) throws {
        let (program, output) = BtMapSemanticsCases.cases[i]
        let r = try bt(program)
        #expect(r.stdout.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).last.map(String.init) == output, "\(program)")
    }

    @Test func syscallTracepointsAndStringsReadAtCapture() throws {
        let r = try bt("t:syscalls:sys_enter_openat { @[str(args->filename)] = count(); } t:syscalls:sys_exit_read /args->ret > 0/ { @bytes = sum(args->ret); }")
        #expect(r.stdout == "Attaching 2 probes...\n\n\n@[]: 1\n@[/etc/passwd]: 2\n@bytes: 15\n")
    }

    @Test(arguments: [
        ("BEGIN { printf(\"%d\\n\", 1 / 0); }", "Attaching 1 probe...\n0\n\n\n"),
        ("BEGIN { @x = 5 % 0; @y = -7 / 2; exit(); }", "Attaching 1 probe...\n\n\n@x: 5\n@y: -3\n"),
        ("BEGIN { @[1] = 1; @[2] = 2; delete(@[1]); zero(@); }", "Attaching 1 probe...\n\n\n@[2]: 0\n"),
        ("BEGIN { $x = 1; unroll(3) { $x = $x * 2; } printf(\"%d %s\\n\", $x, $1 == 0 ? \"no\" : \"yes\"); }", ""),
    ])
    func runtimeEdges(program: String, expected: String) throws {
        if expected.isEmpty {
            // $1 was not given: refused at parse time, with where.
            let r = try bt(program)
            #expect(r.failed && r.stderr == ["bpfan bt: program:1:66: $1: the program was given 0 positional parameter(s)"])
            return
        }
        let r = try bt(program)
        #expect(r.stdout == expected, "\(r.stderr)")
    }

    @Test(arguments: [
        ("BEGIN { printf(\"x\"", "program:1:19: expected ')', found end of program"),
        ("BEGIN { @x = count() ", "program:1:22: expected ';' or '}' after a statement, found end of program"),
        ("BEGIN { printf(\"abc); }", "program:1:16: unterminated string"),
        ("kprobe:do_nanosleep { @ = count(); }", "program:1:1: kprobe:do_nanosleep: kprobes are not in recordings (no kprobes or uprobes are recorded); use a tracepoint (bpfan bt -l lists those this recording serves)"),
        ("t:sched:nope { @ = count(); }", "program:1:1: t:sched:nope is not in this recording (record it with bpfrec record -e sched:nope)"),
        ("t:nosuch:* { @ = count(); }", "program:1:1: t:nosuch:* matches no tracepoint this recording holds"),
        ("t:signal:signal_generate { @[curtask] = count(); }", "program:1:30: curtask: the current task's memory is not in a recording"),
        ("t:signal:signal_generate { @[args->nope] = count(); }", "program:1:30: args->nope: signal:signal_generate has no field nope (its fields: sig, errno, code, comm, pid, group, result)"),
        ("t:signal:signal_generate { system(\"ls\"); }", "program:1:28: system(): it would run a command on the analysing machine, not the recorded one"),
        ("t:signal:signal_generate { cat(\"/etc/passwd\"); }", "program:1:28: cat(): it would read a file of the analysing machine, not the recorded one (served: cat(\"/proc/loadavg\"), from the recorder's reads of it)"),
        ("t:signal:signal_generate { cat(\"/proc/loadavg\"); }", "program:1:28: cat(\"/proc/loadavg\"): this recording has no load_average rows (bpfrec reads /proc/loadavg once a second; an older bpfrec did not)"),
        ("t:signal:signal_generate { $oc = (struct oom_control *)arg0; }", "program:1:34: (struct oom_control *)arg0: struct casts read kernel memory, which a recording does not hold (served: (struct task_struct *)curtask, through curtask->pid, ->tgid, ->comm, ->real_parent->pid, ->real_parent->tgid, ->real_parent->comm, and ->se.cfs_rq->nr_running at profile probes; the struct arguments of the kprobes --map-kprobes serves, through the fields their tracepoints recorded)"),
        ("t:signal:signal_generate { @x = count(); @x = sum(1); }", "program:1:47: type mismatch for @x: it holds count() and is assigned sum()"),
        ("t:signal:signal_generate { printf(\"%s\\n\", args->sig); }", "program:1:28: printf: argument 1 is an integer but its conversion takes a string"),
        ("t:syscalls:sys_enter_openat { printf(\"%s\\n\", args->filename); }", "program:1:31: printf: argument 1 is an integer but its conversion takes a string"),
        ("t:signal:signal_generate { @x = comm + 1; }", "program:1:38: '+' between a string and an integer"),
        ("BEGIN { $y = $x; }", "program:1:14: $x is used before it is assigned"),
        ("BEGIN { @x = (struct task_struct *)curtask; }", "program:1:14: (struct task_struct *)curtask: the current task's memory is not in a recording; read its fields (curtask->pid, ->tgid, ->comm, ->real_parent->pid, ->real_parent->tgid, ->real_parent->comm, and ->se.cfs_rq->nr_running at profile probes)"),
        ("/* never closed", "program:1:1: unterminated comment"),
    ])
    func hostileProgramsGetOneLineErrors(program: String, message: String) throws {
        let r = try bt(program)
        #expect(r.failed)
        #expect(r.stderr == ["bpfan bt: \(message)"])
    }

    /// A map that grows with every event stops the run with a one-line error at the bound
    /// (10,000,000 keys, or BPFTRACE_MAP_KEYS_MAX), on one core and across parallel workers.
    @Test(.enabled(if: builtBinary("bpfan") != nil, "needs the built bpfan"))
    func aMapWithoutBoundIsStoppedAtTheLimit() throws {
        let bpfan = try #require(builtBinary("bpfan"))
        for program in ["t:raw_syscalls:sys_enter { @[nsecs] = count(); }",   // order-independent: workers, then the merge
                        "t:raw_syscalls:sys_exit { @[nsecs] = hist(args->ret); @last = nsecs; }"] {
            let r = try runBinary(bpfan, ["bt", "-e", program, SampleRecordingTests.sample], environment: ["BPFTRACE_MAP_KEYS_MAX": "100"])
            #expect(r.status == 1, "\(program): \(r.stderr)")
            #expect(r.stderr.hasSuffix("bpfan bt: program: more than 100 map entries: the program's maps grow without bound (BPFTRACE_MAP_KEYS_MAX raises the limit)\n"), "\(r.stderr)")
            // Under the default bound the same program runs.
            #expect(try runBinary(bpfan, ["bt", "-e", program, SampleRecordingTests.sample]).status == 0)
        }
    }

    @Test func deepNestingIsRefusedNotACrash() throws {
        let deep = "BEGIN { @x = " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + "; }"
        let r = try bt(deep)
        #expect(r.failed && r.stderr.first?.contains("nests deeper than 200 levels") == true, "\(r.stderr)")
    }

    @Test func listsTheProbesTheRecordingServes() throws {
        let r = try runTool(Bt.self, ["-l", "t:syscalls:*open*", try tracepointToolsRecording()])
        #expect(r.stdout == "tracepoint:syscalls:sys_enter_openat\ntracepoint:syscalls:sys_exit_openat\n")
        let v = try runTool(Bt.self, ["-lv", "signal:*", try tracepointToolsRecording()])
        #expect(v.stdout.hasPrefix("tracepoint:signal:signal_generate\n    sig\n    errno\n"))
    }

    @Test func globsMatchAsBpftraceDoes() {
        #expect(BtGlob.matches("sys*:*open*", "syscalls:sys_enter_openat"))
        #expect(BtGlob.matches("irq:softirq_?ntry", "irq:softirq_entry"))
        #expect(!BtGlob.matches("irq:*exit", "irq:softirq_entry"))
    }
}

/// The shipped .bt scripts print, over the bundled sample, what bpftrace's own tools of the same
/// name print run by `bpfan bt` (bpftrace 0.17's /usr/sbin/NAME.bt): ours are equivalent
/// programs. (When they replaced the Swift reproductions, each printed byte for byte what the
/// Swift tool had printed on both samples.)
@Suite struct BtRunsBpftracesToolsTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/mixed.trc").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/sbin/runqlat.bt"), "needs bpftrace's tools in /usr/sbin (make test-deps)"),
          arguments: [("runqlat", RunqlatBt.self as any RecordingTool.Type), ("bitesize", BitesizeBt.self), ("syscount", SyscountBt.self),
                       ("killsnoop", KillsnoopBt.self), ("opensnoop", OpensnoopBt.self), ("statsnoop", StatsnoopBt.self),
                       ("pidpersec", PidpersecBt.self), ("syncsnoop", SyncsnoopBt.self)])
    func shippedScriptMatchesBpftraces(name: String, tool: any RecordingTool.Type) throws {
        let theirs = try runTool(Bt.self, ["/usr/sbin/\(name).bt", Self.sample])
        let ours = try tool.parse([Self.sample]).execute()
        // sys_enter_X comes from finished calls' rows, which both say.
        #expect(theirs.stderr.allSatisfy { $0.hasSuffix(" served by the rows of calls that returned: calls still running when the recording stopped, exit and exit_group are not seen") }, "\(theirs.stderr)")
        #expect(!ours.stdout.isEmpty)
        #expect(ours.stdout == theirs.stdout)
    }

    /// Every shipped script is embedded as its file says (make generate keeps them in step).
    @Test func embeddedScriptsAreTheFiles() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/TraceTools/Scripts")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".bt") }.sorted()
        #expect(files == ToolRegistry.scripts.map { $0.toolName }.sorted())
        for tool in ToolRegistry.scripts {
            let text = try String(contentsOf: dir.appendingPathComponent(tool.toolName), encoding: .utf8)
            let embedded = try #require(tool as? any ShippedScript.Type).scriptSource
            #expect(embedded + "\n" == text, "\(tool.toolName): run make generate")
        }
    }
}

/// `-f json`: the lines live bpftrace 0.17 printed for the same programs (captured here with
/// `bpftrace -f json -e ...`), byte for byte.
@Suite struct BtJSONTests {
    @Test func jsonLinesAreBpftraces() throws {
        let path = try tracepointToolsRecording()
        let r = try runTool(Bt.self, ["-f", "json", "-e", #"BEGIN { printf("hi %d\n", 3); @c = count(); @m[1, "a"] = sum(5); @n["x"] = 2; @h = hist(5); @h = hist(100); @l = lhist(3, 0, 10, 5); @s = stats(4); @a = avg(6); @str = "abc"; print(@c); exit(); }"#, path])
        #expect(r.stdout == """
        {"type": "attached_probes", "data": {"probes": 1}}
        {"type": "printf", "data": "hi 3\\n"}
        {"type": "map", "data": {"@c": 1}}


        {"type": "stats", "data": {"@a": 6}}
        {"type": "map", "data": {"@c": 1}}
        {"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 1}, {"min": 8, "max": 15, "count": 0}, {"min": 16, "max": 31, "count": 0}, {"min": 32, "max": 63, "count": 0}, {"min": 64, "max": 127, "count": 1}]}}
        {"type": "hist", "data": {"@l": [{"min": 0, "max": 4, "count": 1}]}}
        {"type": "map", "data": {"@m": {"1,a": 5}}}
        {"type": "map", "data": {"@n": {"x": 2}}}
        {"type": "stats", "data": {"@s": {"count": 1, "average": 4, "total": 4}}}
        {"type": "map", "data": {"@str": "abc"}}

        """)
        let edges = try runTool(Bt.self, ["-f", "json", "-e", "BEGIN { @h = hist(0); @h = hist(-5); @h=hist(1); @l = lhist(-3, 0, 10, 5); @l = lhist(30, 0, 10, 5); @e[1] = count(); clear(@e); exit(); }", path])
        #expect(edges.stdout == """
        {"type": "attached_probes", "data": {"probes": 1}}


        {"type": "hist", "data": {"@h": [{"max": -1, "count": 1}, {"min": 0, "max": 0, "count": 1}, {"min": 1, "max": 1, "count": 1}]}}
        {"type": "hist", "data": {"@l": [{"max": -1, "count": 1}, {"min": 0, "max": 4, "count": 0}, {"min": 5, "max": 9, "count": 0}, {"min": 10, "count": 1}]}}

        """)
        #expect(throws: (any Error).self) { try Bt.parse(["-f", "xml", "-e", "BEGIN {}", path]) }
    }
}

/// join(args->argv) of an exec, from the arguments process_exec kept: over the bundled sample,
/// the same argument lines, in the same order, as execsnoop.bt's ARGS column (which reads
/// process_exec directly), and other arrays refused.
@Suite struct BtJoinTests {
    @Test func joinPrintsEachExecsArguments() throws {
        let sample = BtRunsBpftracesToolsTests.sample
        let joined = try runTool(Bt.self, ["-e", "t:syscalls:sys_enter_execve, t:syscalls:sys_enter_execveat { join(args->argv); }", sample])
        let snoop = try ExecsnoopBt.parse([sample]).execute()
        let args = snoop.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2).filter { !$0.isEmpty }.map { (line: Substring) -> String in
            // "TIME(ms)   PID   ARGS": the columns are %-10u and %-5d, each followed by a space.
            let rest = line.dropFirst(11)
            return String(rest.dropFirst(max(5, rest.prefix { $0 != " " }.count) + 1))
        }
        let lines = joined.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().filter { !$0.isEmpty }.map(String.init)
        #expect(lines.count == 323)
        #expect(lines == args)
        let comma = try runTool(Bt.self, ["-e", "t:syscalls:sys_enter_execve { join(args->argv, \",\"); }", sample])
        #expect(comma.stdout.contains("\nseq,1,10\n"), "\(comma.stdout.prefix(300))")
        let envp = try runTool(Bt.self, ["-e", "t:syscalls:sys_enter_execve { join(args->envp); }", sample])
        #expect(envp.failed && envp.stdout.isEmpty && envp.stderr.first?.contains("join(): only args->argv") == true, "\(envp.stderr)")
        let json = try runTool(Bt.self, ["-f", "json", "-e", "t:syscalls:sys_enter_execve /pid == 7918/ { join(args->argv); }", sample])
        #expect(json.stdout.contains("{\"type\": \"join\", \"data\": \"seq 1 10\\n\"}"), "\(json.stdout)")
    }
}

/// The parser takes every program users start from: the seed's one-liners, every .bt script
/// we ship, and bpftrace 0.17's own tools (/usr/sbin/*.bt) whatever their probes, so that what
/// a recording cannot serve is refused by name, never by a syntax error.
@Suite struct BtParserCorpusTests {
    static let oneLiners = [
        #"tracepoint:syscalls:sys_enter_execve { printf("%s -> %s\n", comm, str(args->filename)); }"#,
        #"tracepoint:syscalls:sys_enter_execve { join(args->argv); }"#,
        #"tracepoint:syscalls:sys_enter_openat { printf("%s %s\n", comm, str(args->filename)); }"#,
        #"tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }"#,
        #"tracepoint:syscalls:sys_enter_* { @[probe] = count(); }"#,
        #"tracepoint:raw_syscalls:sys_enter { @[pid, comm] = count(); }"#,
        #"tracepoint:syscalls:sys_exit_read /args->ret/ { @[comm] = sum(args->ret); }"#,
        #"tracepoint:syscalls:sys_exit_read { @[comm] = hist(args->ret); }"#,
        #"tracepoint:block:block_rq_issue { printf("%d %s %d\n", pid, comm, args->bytes); }"#,
        #"software:major-faults:1 { @[comm] = count(); }"#,
        #"software:faults:1 { @[comm] = count(); }"#,
        #"profile:hz:49 /pid == 189/ { @[ustack] = count(); }"#,
    ]

    @Test func everyKnownProgramParses() throws {
        var sources = Self.oneLiners.map { ("one-liner \($0)", $0) }
        sources += ToolRegistry.scripts.compactMap { $0 as? any ShippedScript.Type }.map { ("\($0)", $0.scriptSource) }
        let dir = "/usr/sbin"
        let theirs = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".bt") }.sorted()
        for name in theirs { sources.append((name, try String(contentsOfFile: dir + "/" + name, encoding: .utf8))) }
        // What a recording cannot serve (uid, retval, func, ustack, struct casts, '*' and '->'
        // dereferences) is refused while parsing, naming it; a syntax error would be a parser gap.
        let syntax = ["expected ", "unterminated", "unexpected", "unknown character", "nests deeper"]
        var refused = 0
        for (name, text) in sources {
            do { _ = try BtParser.parse(text) } catch {
                if syntax.contains(where: { error.message.contains($0) }) { Issue.record("\(name): \(error)") } else { refused += 1 }
            }
        }
        #expect(refused < sources.count / 2, "\(refused) of \(sources.count) refused")
        #expect(sources.count >= Self.oneLiners.count + ToolRegistry.scripts.count)
    }
}

/// --map-kprobes: bpftrace's own biolatency.bt (kprobes on blk_account_io_start/done) over the
/// sample prints what our shipped biolatency.bt prints, each substitution said on stderr; without
/// the flag the kprobe is refused naming the tracepoint and the flag.
@Suite struct BtKprobeMapTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/sbin/biolatency.bt"), "needs bpftrace's tools in /usr/sbin (make test-deps)"))
    func bpftracesBiolatencyRunsWithMappedKprobes() throws {
        let sample = BtRunsBpftracesToolsTests.sample
        let theirs = try runTool(Bt.self, ["--map-kprobes", "/usr/sbin/biolatency.bt", sample])
        let ours = try BiolatencyBt.parse([sample]).execute()
        #expect(theirs.stdout == ours.stdout)
        #expect(theirs.stdout.hasPrefix("Attaching 6 probes...\n") && theirs.stdout.contains("@usecs: \n[16, 32)"), "\(theirs.stdout)")
        #expect(theirs.stderr == ["bpfan bt: kprobe:blk_account_io_start is served by tracepoint:block:block_io_start (arg0 = the request's address)",
                                  "bpfan bt: kprobe:blk_account_io_done is served by tracepoint:block:block_io_done (arg0 = the request's address)"], "\(theirs.stderr)")
        let refused = try runTool(Bt.self, ["/usr/sbin/biolatency.bt", sample])
        #expect(refused.failed && refused.stderr.last?.contains("bpfan bt --map-kprobes serves this probe from it") == true, "\(refused.stderr)")
        let arg1 = try runTool(Bt.self, ["--map-kprobes", "-e", "kprobe:blk_account_io_start { @[arg1] = count(); }", sample])
        #expect(arg1.failed && arg1.stderr.last?.contains("arg1: --map-kprobes serves only arg0 of kprobe:blk_account_io_start") == true, "\(arg1.stderr)")
    }
}
