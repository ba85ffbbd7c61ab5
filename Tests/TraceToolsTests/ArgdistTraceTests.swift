import Foundation
import Testing
import TraceFormat
import TraceSchema
import TraceTestSupport
@testable import TraceTools

private func format(_ name: String, id: Int, _ fields: [String]) -> String {
    (["name: \(name)", "ID: \(id)", "format:",
      "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;",
      "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;",
      "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;",
      "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;", ""] + fields + ["", "print fmt: \"\""]).joined(separator: "\n") + "\n"
}

private let signalFormat = format("signal_generate", id: 261, [
    "\tfield:int sig;\toffset:8;\tsize:4;\tsigned:1;", "\tfield:int errno;\toffset:12;\tsize:4;\tsigned:1;",
    "\tfield:int code;\toffset:16;\tsize:4;\tsigned:1;", "\tfield:char comm[16];\toffset:20;\tsize:16;\tsigned:0;",
    "\tfield:pid_t pid;\toffset:36;\tsize:4;\tsigned:1;", "\tfield:int group;\toffset:40;\tsize:4;\tsigned:1;",
    "\tfield:int result;\toffset:44;\tsize:4;\tsigned:1;"])
private let openatFormat = format("sys_enter_openat", id: 640, [
    "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;", "\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;",
    "\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;", "\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;",
    "\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;"])

/// bash (300) sends SIGUSR1 to 400 twice and SIGKILL to 600 (failing, -3) in the first
/// second; sleep (400) sends SIGCHLD to 300 at 1.5 s. cat (700) opens two files, one twice,
/// the second with a filename the recorder failed to read. read(2) returns three times,
/// after 1000, 3000 and 5000 ns, the last of a call whose entry was not seen.
func tracepointToolsRecording() throws -> String {
    let s = SyntheticRecording()
    s.duration = 2_500_000_000
    s.syscallNames = ["0": "read", "257": "openat", "62": "kill"]
    s.schemas["signal:signal_generate"] = try TracepointFormat.parse(signalFormat, system: "signal").tableSchema(family: "tracepoints")
    s.schemas["syscalls:sys_enter_openat"] = try TracepointFormat.parse(openatFormat, system: "syscalls").tableSchema(family: "tracepoints", strings: ["filename"])
    s.metadata[MetadataName.tracepointFormats] = Array(try JSONEncoder().encode(["signal:signal_generate": signalFormat, "syscalls:sys_enter_openat": openatFormat]))
    s.add("process_snapshot", ["ts": ns(0), "pid": 300, "tid": 300, "ppid": 1, "comm": "bash"])
    s.add("process_snapshot", ["ts": ns(0), "pid": 400, "tid": 400, "ppid": 300, "comm": "sleep"])
    s.add("process_snapshot", ["ts": ns(0), "pid": 700, "tid": 700, "ppid": 300, "comm": "cat"])
    for (t, sig, target, errno) in [(0.2, 10, 400, 0), (0.4, 10, 400, 0), (0.6, 9, 600, -3)] {
        s.add("signal:signal_generate", ["ts": ns(t), "cpu": 1, "pid": 300, "tid": 300, "sig": .int(Int64(sig)), "errno": .int(Int64(errno)), "comm": "x", "arg_pid": .int(Int64(target)), "result": 0])
    }
    s.add("signal:signal_generate", ["ts": ns(1.5), "cpu": 0, "pid": 400, "tid": 400, "sig": 17, "errno": 0, "comm": "bash", "arg_pid": 300, "result": 0])
    for (t, path) in [(0.3, "/etc/passwd"), (0.35, "/etc/passwd"), (1.2, "")] {
        s.add("syscalls:sys_enter_openat", ["ts": ns(t), "cpu": 0, "pid": 700, "tid": 700, "__syscall_nr": 257, "dfd": .u64(UInt64(bitPattern: -100)), "filename": 0x7ffd_0000, "filename_str": .string(path), "flags": 0])
    }
    for (t, d, unpaired) in [(0.1, 1000, 0), (0.5, 3000, 0), (1.1, 0, 1)] as [(Double, Int64, Int64)] {
        s.add("syscall", ["ts": ns(t), "cpu": 0, "pid": 700, "tid": 700, "id": 0, "ret": 5, "duration": .int(d), "unpaired": .int(unpaired)])
    }
    s.add("syscall", ["ts": ns(0.1), "cpu": 0, "pid": 700, "tid": 700, "id": 257, "ret": 3, "duration": 900, "unpaired": 0])
    // bash's kill(400, SIGUSR1) at 0.2 s, with its detail row (the arguments in registers).
    s.add("syscall", ["ts": ns(0.2), "cpu": 1, "pid": 300, "tid": 300, "id": 62, "ret": 0, "duration": 700, "unpaired": 0])
    s.add("syscall_detail", ["ts": ns(0.2), "cpu": 1, "pid": 300, "tid": 300, "id": 62, "ret": 0, "duration": 700, "arg0": 400, "arg1": 10, "comm": "bash"])
    return try s.write()
}

@Suite struct ArgdistTests {
    @Test func countsPerIntervalByKey() throws {
        let path = try tracepointToolsRecording()
        let r = try runTool(Argdist.self, ["-C", "t:signal:signal_generate():int,char*:args->sig,$COMM", path])
        #expect(r.stdout == """
        [22:06:41]
        t:signal:signal_generate():int,char*:args->sig,$COMM
        \tCOUNT      EVENT
        \t1          args->sig = 9, $COMM = b'bash'
        \t2          args->sig = 10, $COMM = b'bash'
        [22:06:42]
        t:signal:signal_generate():int,char*:args->sig,$COMM
        \tCOUNT      EVENT
        \t1          args->sig = 17, $COMM = b'sleep'
        [22:06:42]
        t:signal:signal_generate():int,char*:args->sig,$COMM
        \tCOUNT      EVENT

        """)
        #expect(r.stderr == ["bpfan argdist: the last interval is partial: the recording (or --to) covers 0.50 s of its 1 s; the live tool would not have printed it"])
    }

    @Test func filterLabelTopCumulativeAndPid() throws {
        let path = try tracepointToolsRecording()
        let r = try runTool(Argdist.self, ["-c", "-i", "2", "-T", "1", "-C", "t:signal:signal_generate():u32:args->pid:args->sig != 17 && args->errno == 0#targets", path])
        #expect(r.stdout.hasPrefix("[22:06:42]\ntargets\n\tCOUNT      EVENT\n\t2          args->pid = 400\n[22:06:42]\ntargets\n\tCOUNT      EVENT\n\t2          args->pid = 400\n"))
        let pid = try runTool(Argdist.self, ["-p", "400", "-i", "5", "-C", "t:signal:signal_generate()", path])
        #expect(pid.stdout == "[22:06:42]\nt:signal:signal_generate()\n\tCOUNT      EVENT\n\t1          total calls\n")
        // Strings read behind a pointer at capture are the pointer's string when char* is asked.
        let files = try runTool(Argdist.self, ["-i", "5", "-C", "t:syscalls:sys_enter_openat():char*:args->filename", path])
        #expect(files.stdout.hasSuffix("\t1          args->filename = b''\n\t2          args->filename = b'/etc/passwd'\n"))
    }

    @Test func histogramOfLatencyFromTheSyscallsFamily() throws {
        let r = try runTool(Argdist.self, ["-i", "5", "-H", "t:syscalls:sys_exit_read():u64:$latency", try tracepointToolsRecording()])
        // Two paired calls (1000 and 3000 ns); the unpaired one has no latency and is skipped.
        #expect(r.stdout == """
        [22:06:42]
             $latency            : count     distribution
                 0 -> 1          : 0        |                                        |
                 2 -> 3          : 0        |                                        |
                 4 -> 7          : 0        |                                        |
                 8 -> 15         : 0        |                                        |
                16 -> 31         : 0        |                                        |
                32 -> 63         : 0        |                                        |
                64 -> 127        : 0        |                                        |
               128 -> 255        : 0        |                                        |
               256 -> 511        : 0        |                                        |
               512 -> 1023       : 1        |****************************************|
              1024 -> 2047       : 0        |                                        |
              2048 -> 4095       : 1        |****************************************|

        """)
        let count = try runTool(Argdist.self, ["-i", "5", "-C", "t:syscalls:sys_exit_read():long:args->ret", try tracepointToolsRecording()])
        #expect(count.stdout.hasSuffix("\t3          args->ret = 5\n"))
    }

    @Test func entryArgumentsOfSyscallsWithDetailRows() throws {
        let r = try runTool(Argdist.self, ["-i", "5", "-C", "t:syscalls:sys_exit_kill():int,int,u64:$entry(sig),$entry(pid),$latency", try tracepointToolsRecording()])
        #expect(r.stdout.hasSuffix("\t1          sig = 10, pid = 400, $latency = 700\n"), "\(r.stdout)")
        let none = try runTool(Argdist.self, ["-C", "t:syscalls:sys_exit_read():u64:$entry(count)", try tracepointToolsRecording()])
        #expect(none.failed && none.stderr.last?.contains("syscalls:sys_exit_read has no recorded entry arguments") == true, "\(none.stderr)")
    }

    @Test(arguments: [
        (["-C", "p::__kmalloc(size_t size):size_t:size"], "error parsing probe 'p::__kmalloc(size_t size):size_t:size': kernel and user function entries (p:) need kprobes or uprobes, which recordings do not hold; use a tracepoint (t:CATEGORY:EVENT()), e.g. t:syscalls:sys_exit_NAME() for a syscall's return"),
        (["-C", "t:signal:signal_generate():int:args->nope"], "error parsing probe 't:signal:signal_generate():int:args->nope': expression 'args->nope': args->nope: signal:signal_generate has no field nope (its fields: sig, errno, code, comm, pid, group, result)"),
        (["-C", "t:irq:irq_handler_entry():int:args->irq"], "error parsing probe 't:irq:irq_handler_entry():int:args->irq': tracepoint irq:irq_handler_entry is not in this recording (record it with bpfrec record --families irq, or -e irq:irq_handler_entry)"),
        (["-H", "t:signal:signal_generate()"], "error parsing probe 't:signal:signal_generate()': histograms must have expr"),
        (["-C", "t:signal:signal_generate():int,int:args->sig"], "error parsing probe 't:signal:signal_generate():int,int:args->sig': mismatched # of exprs and types"),
        (["-C", "t:signal:signal_generate():int:args->sig:$retval"], "error parsing probe 't:signal:signal_generate():int:args->sig:$retval': expression '$retval': $retval: only r: probes have a return value, and recordings hold no r: probes; a syscall's is args->ret of t:syscalls:sys_exit_NAME()"),
        (["-C", "t:signal:signal_generate():int:$latency"], "error parsing probe 't:signal:signal_generate():int:$latency': expression '$latency': $latency: only a sys_exit_X tracepoint served by the syscalls family, or recorded with its sys_enter_X (-e), has a latency here, not signal:signal_generate"),
        (["-C", "t:signal:signal_generate():int:args->sig +"], "error parsing probe 't:signal:signal_generate():int:args->sig +': expression 'args->sig +': column 12: unexpected end of expression"),
        (["-C", "t:syscalls:sys_enter_read():int:args->fd"], "error parsing probe 't:syscalls:sys_enter_read():int:args->fd': expression 'args->fd': args->fd: syscalls:sys_enter_read has no field fd (syscalls:sys_enter_read is served by the syscalls family's row per call, which holds the syscall number; record its arguments with bpfrec record -e syscalls:sys_enter_read)"),
    ])
    func badProbesAreOneLineErrors(args: [String], message: String) throws {
        let r = try runTool(Argdist.self, args + [try tracepointToolsRecording()])
        #expect(r.failed)
        #expect(r.stderr == ["bpfan argdist: \(message)"])
    }
}

@Suite struct TraceTests {
    @Test func linesInTimeOrderAcrossProbes() throws {
        let path = try tracepointToolsRecording()
        let r = try runTool(Trace.self, ["t:signal:signal_generate (args->sig == 10) \"sig %d to %d\", args->sig, args->pid", "t:syscalls:sys_enter_openat \"%s\", args->filename", path])
        #expect(r.stdout == """
        PID     TID     COMM            FUNC             -
        300     300     bash            signal_generate  sig 10 to 400
        700     700     cat             sys_enter_openat /etc/passwd
        700     700     cat             sys_enter_openat /etc/passwd
        300     300     bash            signal_generate  sig 10 to 400
        700     700     cat             sys_enter_openat 

        """)
    }

    @Test func timeColumnsCpuAndFilters() throws {
        let path = try tracepointToolsRecording()
        let t = try runTool(Trace.self, ["-t", "-C", "-M", "2", "t:signal:signal_generate \"%d\", args->sig", path])
        #expect(t.stdout == "TIME     CPU PID     TID     COMM            FUNC             -\n0.200000 1   300     300     bash            signal_generate  10\n0.400000 1   300     300     bash            signal_generate  10\n")
        let named = try runTool(Trace.self, ["-n", "sle", "-T", "t:signal:signal_generate", path])
        #expect(named.stdout == "TIME     PID     TID     COMM            FUNC             \n22:06:41 400     400     sleep           signal_generate  \n")
        let message = try runTool(Trace.self, ["-f", "to 600", "t:signal:signal_generate \"sig %d to %d\", args->sig, args->pid", path])
        #expect(message.stdout.hasSuffix("bash            signal_generate  sig 9 to 600\n"))
        // %u of a negative int stored as unsigned int; %x of a u64; $tgid and STRCMP on $comm.
        let conv = try runTool(Trace.self, ["t:signal:signal_generate (STRCMP(\"bash\", $comm) && $tgid == 300 && args->errno < 0) \"%u %lx\", args->errno, args->errno", path])
        #expect(conv.stdout.hasSuffix("signal_generate  4294967293 fffffffffffffffd\n"))
    }

    /// openat returns at 0.1 s + 900 ns, before read's 0.1 s + 1000 ns, though read's row comes first.
    @Test func syscallExitsServedByTheirCallsRowComeInExitOrder() throws {
        let r = try runTool(Trace.self, ["-t", "t:syscalls:sys_exit_read \"ret %d\", args->ret", "t:syscalls:sys_exit_openat \"fd %d\", args->ret", try tracepointToolsRecording()])
        #expect(r.stdout == """
        TIME     PID     TID     COMM            FUNC             -
        0.100001 700     700     cat             sys_exit_openat  fd 3
        0.100001 700     700     cat             sys_exit_read    ret 5
        0.500003 700     700     cat             sys_exit_read    ret 5
        1.100000 700     700     cat             sys_exit_read    ret 5

        """)
    }

    @Test func aggregateCountsIdenticalLines() throws {
        let r = try runTool(Trace.self, ["-A", "-M", "10", "t:syscalls:sys_enter_openat \"%s\", args->filename", try tracepointToolsRecording()])
        #expect(r.stdout.hasSuffix("cat             sys_enter_openat /etc/passwd\n-->COUNT 2\n\n700     700     cat             sys_enter_openat \n-->COUNT 1\n\n"))
    }

    @Test(arguments: [
        (["do_sys_open"], "error in probe 'do_sys_open': kernel and user functions need kprobes or uprobes, which recordings do not hold; trace a tracepoint instead (t:CATEGORY:EVENT), e.g. t:syscalls:sys_enter_NAME for a syscall"),
        (["t:signal:signal_generate (args->sig == 1"], "error in probe 't:signal:signal_generate (args->sig == 1': unmatched end of predicate"),
        (["t:signal:signal_generate \"%d %d\", args->sig"], "error in probe 't:signal:signal_generate \"%d %d\", args->sig': the format has 2 conversion(s) but 1 argument(s) follow it"),
        (["t:signal:signal_generate \"%s\", args->sig"], "error in probe 't:signal:signal_generate \"%s\", args->sig': expression 'args->sig': args->sig is a number, not a string"),
        (["t:syscalls:sys_enter_openat (args->dfd == \"x\")"], "error in probe 't:syscalls:sys_enter_openat (args->dfd == \"x\")': expression '(args->dfd == \"x\")': args->dfd is a number, not a string"),
        (["t:signal:signal_generate \"%d\", $uid"], "error in probe 't:signal:signal_generate \"%d\", $uid': expression '$uid': $uid: tracepoint events carry no uid in a recording"),
    ])
    func badProbesAreOneLineErrors(args: [String], message: String) throws {
        let r = try runTool(Trace.self, args + [try tracepointToolsRecording()])
        #expect(r.failed)
        #expect(r.stderr == ["bpfan trace: \(message)"])
    }
}
