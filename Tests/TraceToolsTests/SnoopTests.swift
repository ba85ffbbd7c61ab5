import TraceReport
import TraceTestSupport
import Testing
import TraceFormat
@testable import TraceTools

/// Known syscalls, execs and exits (see each tool's expected rows). Expected texts were derived
/// with the live tools' C printf formats applied to these facts.
func snoopRecording() throws -> String {
    let s = SyntheticRecording()
    s.syscallNames = ["0": "read", "2": "open", "4": "stat", "6": "lstat", "62": "kill", "137": "statfs", "200": "tkill",
                      "59": "execve", "322": "execveat", "234": "tgkill", "257": "openat", "262": "newfstatat", "332": "statx"]
    func detail(_ t: Double, _ dur: Int64, pid: Int64, tid: Int64? = nil, uid: Int64 = 0, id: Int64, ret: Int64, args: [UInt64] = [], comm: String, path: String = "") {
        var row: [String: ColumnValue] = ["ts": ns(t), "duration": .int(dur), "pid": .int(pid), "tid": .int(tid ?? pid), "uid": .int(uid), "id": .int(id),
                                          "ret": .int(ret), "comm": .string(comm), "path": .string(path)]
        for (i, a) in args.enumerated() { row["arg\(i)"] = .u64(a) }
        s.add("syscall_detail", row)
        // As the recorder writes it: every call with a detail row is a row of syscall too.
        s.add("syscall", ["ts": ns(t), "duration": .int(dur), "pid": .int(pid), "tid": .int(tid ?? pid), "id": .int(id), "ret": .int(ret)])
    }
    // The threads that make the calls, alive when recording started, as a recording lists them.
    for (pid, tid, comm) in [(100, 100, "cat"), (100, 101, "cat-worker"), (200, 200, "python3"), (300, 300, "bash"), (300, 301, "bash"),
                             (500, 500, "ls"), (600, 600, "longpath")] as [(Int64, Int64, String)] {
        s.add("process_snapshot", ["ts": ns(0), "pid": .int(pid), "tid": .int(tid), "ppid": 1, "comm": .string(comm)])
    }
    let atFdcwd = UInt64(bitPattern: -100)
    // The user address a path argument had (the .bt scripts test the pointer, as bpftrace does).
    let userPath: UInt64 = 0x7ffd_1234_5000
    detail(0.5, 10_000, pid: 100, id: 257, ret: 3, args: [atFdcwd, userPath, 0o2000000], comm: "cat", path: "/etc/passwd")
    detail(0.6, 5_000, pid: 100, tid: 101, id: 2, ret: -13, args: [userPath, 0o101, 0o644], comm: "cat-worker", path: "/root/secret")
    detail(1.2, 1_000, pid: 200, uid: 1000, id: 257, ret: -2, args: [atFdcwd, userPath, 0], comm: "python3", path: "relative.txt")
    detail(2.0, 1_000, pid: 100, id: 0, ret: 5, comm: "cat")
    detail(3.0, 2_000, pid: 300, id: 62, ret: 0, args: [400, 15], comm: "bash")
    detail(3.1, 2_000, pid: 300, id: 62, ret: 0, args: [0, 2], comm: "bash")
    detail(3.2, 2_000, pid: 300, tid: 301, id: 234, ret: -3, args: [400, 401, 10], comm: "bash")
    detail(4.0, 1_000, pid: 500, id: 4, ret: -2, args: [userPath], comm: "ls", path: "/nonexistent")
    detail(4.1, 1_000, pid: 500, id: 332, ret: 0, args: [atFdcwd, userPath], comm: "ls", path: "/etc")
    detail(4.2, 1_000, pid: 500, id: 262, ret: 0, args: [atFdcwd, userPath], comm: "ls", path: "/usr")
    detail(4.8, 1_000, pid: 600, id: 257, ret: 4, args: [atFdcwd, userPath, 0], comm: "longpath", path: "/" + String(repeating: "x", count: 69))
    func exec(_ t: Double, pid: Int64, ppid: Int64, uid: Int64 = 0, ret: Int64, comm: String, filename: String, argv: [String], argc: Int64? = nil) {
        s.add("process_exec", ["ts": ns(t), "duration": 200_000, "pid": .int(pid), "tid": .int(pid), "ppid": .int(ppid), "uid": .int(uid), "ret": .int(ret),
                               "comm": .string(comm), "filename": .string(filename), "argv": .bytes(Array(argv.map { $0 + "\0" }.joined().utf8)),
                               "argc": .int(argc ?? Int64(argv.count)), "args_truncated": .int(argc == nil ? 0 : 1)])
        // As the recorder writes it: the execve is a row of syscall too (with its detail row).
        detail(t, 200_000, pid: pid, uid: uid, id: 59, ret: ret, comm: comm, path: filename)
    }
    exec(1.0, pid: 700, ppid: 1, ret: 0, comm: "ls", filename: "/usr/bin/ls", argv: ["ls", "-l", "/tmp"])
    exec(1.5, pid: 701, ppid: 1, uid: 1000, ret: -2, comm: "sh", filename: "/nope", argv: ["nope"])
    exec(2.5, pid: 702, ppid: 700, ret: 0, comm: "echo", filename: "/bin/echo", argv: ["echo", "a \"b\""])
    exec(2.6, pid: 703, ppid: 1, ret: 0, comm: "many", filename: "/bin/many", argv: (0..<20).map { "a\($0)" }, argc: 25)
    func exit(_ t: Double, pid: Int64, tid: Int64? = nil, comm: String, code: Int64, start: Double) {
        s.add("process_exit", ["ts": ns(t), "pid": .int(pid), "tid": .int(tid ?? pid), "ppid": 1, "comm": .string(comm), "exit_code": .int(code),
                               "start_time": ns(start), "group_dead": 1])
    }
    exit(3.0, pid: 700, comm: "ls", code: 0, start: 1.0)
    exit(3.5, pid: 701, comm: "sh", code: 2 << 8, start: 1.4)
    exit(4.0, pid: 702, tid: 703, comm: "echo", code: 0, start: 2.5)
    exit(4.5, pid: 704, comm: "crash", code: 11 | 0x80, start: 4.0)
    return try s.write()
}

@Test func opensnoopRows() throws {
    let path = try snoopRecording()
    #expect(try runTool(Opensnoop.self, ["-T", "-U", "-e", path]).stdout == """
    TIME     UID     PID    COMM              FD ERR FLAGS    PATH
    22:06:40 0       100    cat                3   0 02000000 /etc/passwd
    22:06:40 0       100    cat-worker        -1  13 00000101 /root/secret
    22:06:41 1000    200    python3           -1   2 00000000 relative.txt
    22:06:44 0       600    longpath           4   0 00000000 /xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx

    """)
    #expect(try runTool(Opensnoop.self, ["-x", "-u", "1000", path]).stdout == "PID    COMM              FD ERR PATH\n200    python3           -1   2 relative.txt\n")
    #expect(try runTool(Opensnoop.self, ["-t", "101", path]).stdout.components(separatedBy: "\n").count == 3)
    #expect(try runTool(Opensnoop.self, ["-n", "work", "-p", "100", path]).stdout.hasSuffix("cat-worker        -1  13 /root/secret\n"))
    #expect(try runTool(Opensnoop.self, ["-d", "1", path]).stdout.components(separatedBy: "\n").count == 4)
    let full = try runTool(Opensnoop.self, ["-F", path])
    #expect(full.stderr == ["bpfan opensnoop: -F: 1 relative path(s) printed as recorded: the recording has no working directories to resolve them"])
}

@Test func opensnoopBtRows() throws {
    #expect(try runTool(OpensnoopBt.self, [try snoopRecording()]).stdout == """
    Attaching 6 probes...
    Tracing open syscalls... Hit Ctrl-C to end.
    PID    COMM               FD ERR PATH
    100    cat                 3   0 /etc/passwd
    100    cat-worker         -1  13 /root/secret
    200    python3            -1   2 relative.txt
    600    longpath            4   0 /xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx




    """)
}

@Test func killsnoopRows() throws {
    let path = try snoopRecording()
    #expect(try runTool(Killsnoop.self, ["-n", path]).stdout == """
    TIME     PID     COMM             SIG       TPID    RESULT
    22:06:43 300     bash             SIGTERM   400     0     
    22:06:43 300     bash             SIGINT    0       0     
    22:06:43 300     bash             SIGUSR1   401     -3    

    """)
    #expect(try runTool(Killsnoop.self, ["-x", path]).stdout.hasSuffix("\n22:06:43 300     bash             10        401     -3    \n"))
    #expect(try runTool(Killsnoop.self, ["-s", "15", path]).stdout.components(separatedBy: "\n").count == 3)
    #expect(try runTool(Sigsnoop.self, ["-k", path]).stdout == (try runTool(Killsnoop.self, [path]).stdout))
    let sig = try runTool(Sigsnoop.self, [path])
    #expect(sig.failed && sig.stderr.first?.contains("signal_generate") == true)
}

@Test func killsnoopBtKeepsSkippedEntriesForExit() throws {
    #expect(try runTool(KillsnoopBt.self, [try snoopRecording()]).stdout == """
    Attaching 3 probes...
    Tracing kill() signals... Hit Ctrl-C to end.
    TIME      PID    COMM             SIG  TPID   RESULT
    22:06:43  300    bash             15   400    0


    @tpid[300]: 0
    @tsig[300]: 2

    """)
}

@Test func statsnoopRows() throws {
    let path = try snoopRecording()
    #expect(try runTool(Statsnoop.self, ["-t", path]).stdout == """
    TIME(s)        PID     COMM                 RET  ERR  PATH
    0.000000000    500     ls                   -1   2    /nonexistent
    0.100000000    500     ls                   0    0    /etc
    0.200000000    500     ls                   0    0    /usr

    """)
    #expect(try runTool(Statsnoop.self, ["-x", path]).stdout == "PID     COMM                 RET  ERR  PATH\n500     ls                   -1   2    /nonexistent\n")
    #expect(try runTool(StatsnoopBt.self, [path]).stdout == """
    Attaching 10 probes...
    Tracing stat syscalls... Hit Ctrl-C to end.
    PID    COMM             ERR PATH
    500    ls                 2 /nonexistent
    500    ls                 0 /etc




    """)
}

@Test func execsnoopRows() throws {
    let path = try snoopRecording()
    let all = try runTool(Execsnoop.self, ["-x", "-T", "-t", "-U", path])
    #expect(all.stdout == """
    TIME     TIME(s)  UID    PCOMM            PID    PPID   RET ARGS
    22:06:41 1.000   0     ls               700    1        0 /usr/bin/ls -l /tmp 
    22:06:41 1.500   1000  sh               701    1       -2 /nope 
    22:06:42 2.500   0     echo             702    700      0 /bin/echo a "b" 
    22:06:42 2.600   0     many             703    1        0 /bin/many a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 a18 a19  ...

    """)
    #expect(all.stderr.isEmpty)
    let quoted = try runTool(Execsnoop.self, ["-q", "-n", "ech", path]).stdout
    #expect(quoted == "PCOMM            PID    PPID   RET ARGS\n" + #"echo             702    700      0 "/bin/echo" "a \"b\"" "# + "\n")
    #expect(!(try runTool(Execsnoop.self, [path]).stdout.contains("nope")))
    #expect(try runTool(Execsnoop.self, ["-u", "1000", path]).stdout == "PCOMM            PID    PPID   RET ARGS\n")
    let wide = try runTool(Execsnoop.self, ["--max-args", "30", path])
    #expect(wide.stderr == ["bpfan execsnoop: 1 exec(s) had more arguments than the recording kept (60); their ARGS are cut short"])
    #expect(throws: (any Error).self) { _ = try Execsnoop.parse(["--max-args", "0", path]) }
}

@Test func execsnoopBtRows() throws {
    let out = try runTool(ExecsnoopBt.self, [try snoopRecording()])
    #expect(out.stdout == """
    Attaching 3 probes...
    TIME(ms)   PID   ARGS
    1000       700   ls -l /tmp
    1500       701   nope
    2500       702   echo a "b"
    2600       703   a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15



    """, "\(out.stdout) \(out.stderr)")
}

@Test func exitsnoopRows() throws {
    let path = try snoopRecording()
    #expect(try runTool(Exitsnoop.self, ["-t", path]).stdout == """
    TIME(s)  PCOMM            PID     PPID    TID     AGE(s)  EXIT_CODE
    22:06:43 ls               700     1       700     2.00    0
    22:06:43 sh               701     1       701     2.10    code 2
    22:06:44 crash            704     1       704     0.50    signal 11 (Segmentation fault), core dumped

    """)
    #expect(try runTool(Exitsnoop.self, ["-T", path]).stdout.contains("echo             702     1       703     1.50    0\n"))
    #expect(try runTool(Exitsnoop.self, ["-x", "-p", "701", path]).stdout.hasSuffix("sh               701     1       701     2.10    code 2\n"))
}

@Test func opensnoopAndStatsnoopCutPathsAsTheirEventBuffer() throws {
    // fname[NAME_MAX] / pathname[NAME_MAX], NAME_MAX 255: 254 bytes of a 255-byte path.
    let s = SyntheticRecording()
    let long = "/" + String(repeating: "p", count: 254)
    s.add("syscall_detail", ["ts": ns(1), "duration": 1000, "pid": 9, "tid": 9, "id": 257, "ret": 3, "comm": "long", "path": .string(long),
                             "arg0": .u64(UInt64(bitPattern: -100))])
    s.add("syscall_detail", ["ts": ns(2), "duration": 1000, "pid": 9, "tid": 9, "id": 332, "ret": 0, "comm": "long", "path": .string(long),
                             "arg0": .u64(UInt64(bitPattern: -100))])
    let path = try s.write()
    let open = try runTool(Opensnoop.self, [path]).stdout.split(separator: "\n")
    #expect(open.count == 2 && open[1].hasSuffix(" " + long.dropLast()) && !open[1].hasSuffix(long))
    let stat = try runTool(Statsnoop.self, [path]).stdout.split(separator: "\n")
    #expect(stat.count == 2 && stat[1].hasSuffix(" " + long.dropLast()) && !stat[1].hasSuffix(long))
}
