import Foundation
import Testing
import TraceFormat
import TraceSchema
import TraceTestSupport
@testable import TraceTools

/// Format texts as tracefs prints them, for tables recorded with -e.
private func format(_ name: String, id: Int, fields: [String]) -> String {
    var lines = ["name: \(name)", "ID: \(id)", "format:",
                 "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;",
                 "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;",
                 "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;",
                 "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;", ""]
    lines += fields
    lines += ["", "print fmt: \"\""]
    return lines.joined(separator: "\n") + "\n"
}

private let softirqEntry = format("softirq_entry", id: 227, fields: ["\tfield:unsigned int vec;\toffset:8;\tsize:4;\tsigned:0;"])
private let softirqExit = format("softirq_exit", id: 228, fields: ["\tfield:unsigned int vec;\toffset:8;\tsize:4;\tsigned:0;"])
private let irqEntry = format("irq_handler_entry", id: 225, fields: ["\tfield:int irq;\toffset:8;\tsize:4;\tsigned:1;",
                                                                     "\tfield:__data_loc char[] name;\toffset:12;\tsize:4;\tsigned:0;"])
private let sigGenerate = format("signal_generate", id: 261, fields: ["\tfield:int sig;\toffset:8;\tsize:4;\tsigned:1;"])

/// softirq_entry 3 times in the first second (one on CPU 1 by pid 42), softirq_exit once in each
/// of the first two seconds; the catalog also knows irq_handler_entry (not recorded) and
/// signal_generate.
private func genericRecording(catalog: Bool = true) throws -> String {
    let s = SyntheticRecording()
    s.duration = 2_500_000_000
    let entry = try TracepointFormat.parse(softirqEntry, system: "irq"), exit = try TracepointFormat.parse(softirqExit, system: "irq")
    s.schemas["irq:softirq_entry"] = entry.tableSchema(family: "tracepoints")
    s.schemas["irq:softirq_exit"] = exit.tableSchema(family: "tracepoints")
    s.add("irq:softirq_entry", ["ts": ns(0.1), "cpu": 0, "pid": 7, "tid": 7, "vec": 3])
    s.add("irq:softirq_entry", ["ts": ns(0.2), "cpu": 1, "pid": 42, "tid": 43, "vec": 9])
    s.add("irq:softirq_entry", ["ts": ns(0.3), "cpu": 0, "pid": 7, "tid": 7, "vec": 3])
    s.add("irq:softirq_exit", ["ts": ns(0.4), "cpu": 0, "pid": 7, "tid": 7, "vec": 3])
    s.add("irq:softirq_exit", ["ts": ns(1.4), "cpu": 0, "pid": 7, "tid": 7, "vec": 3])
    let recorded = ["irq:softirq_entry": softirqEntry, "irq:softirq_exit": softirqExit]
    s.metadata[MetadataName.tracepointFormats] = Array(try JSONEncoder().encode(recorded))
    if catalog {
        var all = recorded
        all["irq:irq_handler_entry"] = irqEntry
        all["signal:signal_generate"] = sigGenerate
        s.metadata[MetadataName.tracepointCatalog] = Array(try JSONEncoder().encode(all))
    }
    return try s.write()
}

@Test func funccountCountsRecordedTracepoints() throws {
    let path = try genericRecording()
    let r = try runTool(Funccount.self, ["t:irq:softirq_*", path])
    #expect(r.stdout == """
    Tracing 2 functions for "b't:irq:softirq_*'"... Hit Ctrl-C to end.

    FUNC                                    COUNT
    irq:softirq_exit                            2
    irq:softirq_entry                           3
    Detaching...

    """)
    #expect(r.stderr.isEmpty)
    // A glob over the catalog: what the host had but the recording lacks is said, not counted.
    let all = try runTool(Funccount.self, ["t:irq:*", path])
    #expect(all.stdout.hasPrefix("Tracing 3 functions for \"b't:irq:*'\"... Hit Ctrl-C to end.\n"))
    #expect(all.stderr == ["bpfan funccount: 1 matching tracepoint(s) of the recording host were not recorded and are not counted: irq:irq_handler_entry (record them with -e)"])
    // -p and -c filter the rows; -r takes a regular expression.
    #expect(try runTool(Funccount.self, ["-p", "42", "t:irq:softirq_entry", path]).stdout.contains("irq:softirq_entry                           1\n"))
    #expect(try runTool(Funccount.self, ["-c", "0", "-r", "t:^irq:softirq_en.*", path]).stdout.contains("irq:softirq_entry                           2\n"))
    // -i 1: a table per second (the last, cut by the recording's end, as at Ctrl-C).
    let perSecond = try runTool(Funccount.self, ["-i", "1", "t:irq:softirq_exit", path]).stdout
    #expect(perSecond == """
    Tracing 1 functions for "b't:irq:softirq_exit'"... Hit Ctrl-C to end.

    FUNC                                    COUNT
    irq:softirq_exit                            1

    FUNC                                    COUNT
    irq:softirq_exit                            1

    FUNC                                    COUNT
    Detaching...

    """)
}

@Test func funccountRefusesWhatRecordingsCannotHold() throws {
    let path = try genericRecording()
    for (pattern, message) in [("vfs_*", "kernel functions need kprobes"), ("c:malloc", "USDT probes and user functions are not in recordings"),
                               ("u:node:gc*", "USDT probes and user functions"), ("t:irq:irq_handler_entry", "matches no tracepoint this recording holds"),
                               ("x:a:b", "Type must be 'p', 't', or 'u', but got x")] {
        let r = try runTool(Funccount.self, [pattern, path])
        #expect(r.failed, "\(pattern)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.count == 1 && r.stderr[0].contains(message), "\(pattern): \(r.stderr)")
    }
}

@Test func tplistListsTheHostsTracepoints() throws {
    let path = try genericRecording()
    #expect(try runTool(Tplist.self, [path]).stdout == "irq:irq_handler_entry\nirq:softirq_entry\nirq:softirq_exit\nsignal:signal_generate\n")
    #expect(try runTool(Tplist.self, ["-v", "irq:irq_h*", path]).stdout == "irq:irq_handler_entry\n    int irq;\n    __data_loc char[] name;\n")
    let partial = try runTool(Tplist.self, [try genericRecording(catalog: false)])
    #expect(partial.stdout == "irq:softirq_entry\nirq:softirq_exit\n")
    #expect(partial.stderr == ["bpfan tplist: this recording keeps the formats of its recorded tracepoints only, not the host's whole catalog"])
    let none = try runTool(Tplist.self, [try SyntheticRecording().write()])
    #expect(none.failed && none.stderr.first?.contains("holds no tracepoint catalog") == true)
    #expect(try runTool(Tplist.self, ["-l", "/usr/bin/node", path]).failed)
}

@Test func genericToolsJSONValidates() throws {
    let schema = try #require(JSONOutputSchemaTests.schema)
    let path = try genericRecording()
    for args in [["-i", "1", "t:irq:*", path], ["-v", path]] {
        let out = args.count == 4 ? try runTool(Funccount.self, ["--json"] + args) : try runTool(Tplist.self, ["--json"] + args)
        let lines = out.stdout.split(separator: "\n")
        #expect(lines.count > 3)
        for line in lines {
            let value = try JSONValue.parse(String(line))
            #expect(schema.violation(of: value) == nil, "\(line)")
            let keys = jsonTopLevelKeys(String(line))
            #expect(Set(keys).count == keys.count, "a key twice: \(line)")
        }
    }
}


private let signalGenerate = format("signal_generate", id: 261, fields: [
    "\tfield:int sig;\toffset:8;\tsize:4;\tsigned:1;", "\tfield:int errno;\toffset:12;\tsize:4;\tsigned:1;",
    "\tfield:int code;\toffset:16;\tsize:4;\tsigned:1;", "\tfield:char comm[16];\toffset:20;\tsize:16;\tsigned:0;",
    "\tfield:pid_t pid;\toffset:36;\tsize:4;\tsigned:1;", "\tfield:int group;\toffset:40;\tsize:4;\tsigned:1;",
    "\tfield:int result;\toffset:44;\tsize:4;\tsigned:1;"])

/// sigsnoop without -k: signal_generate rows, the sender named from process state (the current
/// task at the tracepoint), the target from the format's pid, RESULT from its errno.
@Test func sigsnoopReadsSignalGenerate() throws {
    let s = SyntheticRecording()
    s.schemas["signal:signal_generate"] = try TracepointFormat.parse(signalGenerate, system: "signal").tableSchema(family: "tracepoints")
    s.add("process_snapshot", ["ts": ns(0), "pid": 300, "tid": 300, "ppid": 1, "comm": "bash"])
    s.add("process_snapshot", ["ts": ns(0), "pid": 400, "tid": 400, "ppid": 300, "comm": "sleep"])
    s.add("process_fork", ["ts": ns(0.1), "pid": 300, "tid": 300, "comm": "bash", "child_pid": 500, "child_tid": 500])
    s.add("signal:signal_generate", ["ts": ns(0.5), "pid": 300, "tid": 300, "sig": 10, "errno": 0, "comm": "sleep", "arg_pid": 400])
    s.add("signal:signal_generate", ["ts": ns(0.6), "pid": 400, "tid": 400, "sig": 17, "errno": 0, "comm": "bash", "arg_pid": 300])
    s.add("signal:signal_generate", ["ts": ns(0.7), "pid": 500, "tid": 500, "sig": 9, "errno": -3, "comm": "x", "arg_pid": 600])
    let path = try s.write()
    #expect(try runTool(Sigsnoop.self, [path]).stdout == """
    TIME     PID     COMM             SIG       TPID    RESULT
    22:06:40 300     bash             10        400     0     
    22:06:40 400     sleep            17        300     0     
    22:06:40 500     bash             9         600     -3    

    """)
    #expect(try runTool(Sigsnoop.self, ["-x", "-n", path]).stdout.hasSuffix("\n22:06:40 500     bash             SIGKILL   600     -3    \n"))
    #expect(try runTool(Sigsnoop.self, ["-p", "400", path]).stdout.components(separatedBy: "\n").count == 3)
    #expect(try runTool(Sigsnoop.self, ["-s", "17", path]).stdout == "TIME     PID     COMM             SIG       TPID    RESULT\n22:06:40 400     sleep            17        300     0     \n")
}

@Test func infoListsGenericTablesWithTheirColumns() throws {
    let r = try runBinary(try #require(builtBinary("bpfan")), ["info", try genericRecording()])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("\ntracepoint tables (bpfrec -e): their columns after ts cpu pid tid\n  irq:softirq_entry     vec u32\n  irq:softirq_exit      vec u32\n"), "\(r.stdout)")
    #expect(r.stdout.contains("\nirq:softirq_entry     tracepoints             3       1"))
}
