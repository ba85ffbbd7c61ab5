import Foundation
import Testing

/// `bpfan sql` as a user runs it: the built binary, its exit codes and streams.
@Suite struct SqlCommandTests {
    let sample = SampleRecordingTests.sample

    func bpfan(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("bpfan")
        p.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// On a terminal the shell edits lines and keeps a history between sessions: a second
    /// session's up-arrow brings back the first session's last statement. Driven through a
    /// pseudo-terminal by Python's pty module, each key sent once the prompt is shown.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3 for a pty"))
    func theShellKeepsAHistoryOnATerminal() throws {
        let history = NSTemporaryDirectory() + "bpfan-sql-history-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: history) }
        let bin = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("bpfan").path
        // Each key string is typed after the n-th prompt; the output is printed at the end.
        let driver = """
        import os, pty, sys, select, time, json
        argv, keys = json.loads(sys.argv[1]), json.loads(sys.argv[2])
        pid, fd = pty.fork()
        if pid == 0:
            os.environ["TERM"] = "xterm"
            os.execv(argv[0], argv)
        out, deadline = b"", time.time() + 60
        def read():
            global out
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try: out += os.read(fd, 4096)
                except OSError: return False
            return True
        for n, k in enumerate(keys):
            while out.count(b"bpfan> ") <= n and time.time() < deadline: read()
            os.write(fd, k.encode())
        while time.time() < deadline and read() and os.waitpid(pid, os.WNOHANG) == (0, 0): pass
        sys.stdout.write(out.decode(errors="replace").replace("\\r", ""))
        """
        func session(_ keys: [String]) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            var env = ProcessInfo.processInfo.environment
            env["BPFAN_SQL_HISTORY"] = history
            p.environment = env
            let argv = String(decoding: try JSONEncoder().encode([bin, "sql", sample]), as: UTF8.self)
            let k = String(decoding: try JSONEncoder().encode(keys), as: UTF8.self)
            p.arguments = ["-c", driver, argv, k]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let first = try session(["SELECT 6*7 AS answer;\n", "\u{4}"])
        #expect(first.contains("42"), "\(first)")
        let saved = try String(contentsOfFile: history, encoding: .utf8)
        #expect(saved.contains("6*7"), "\(saved)")
        // Up-arrow, Enter: the statement again, from the file.
        let second = try session(["\u{1b}[A\n", "\u{4}"])
        #expect(second.contains("42"), "\(second)")
    }

    @Test func aQueryPrintsATableCsvOrJson() throws {
        let sql = "SELECT name, count(*) AS n FROM syscalls WHERE name IN ('openat', 'read') GROUP BY name ORDER BY name"
        let table = try bpfan(["sql", sample, sql])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout == "name    n\n------  ----\nopenat  2753\nread    1932\n")
        let csv = try bpfan(["sql", "--format", "csv", sample, sql])
        #expect(csv.stdout == "name,n\r\nopenat,2753\r\nread,1932\r\n")
        let json = try bpfan(["sql", "--format", "json", sample, sql])
        #expect(json.stdout == "{\"name\":\"openat\",\"n\":2753}\n{\"name\":\"read\",\"n\":1932}\n")
    }

    @Test func statementsComeFromAFileOrStdin() throws {
        let file = scratchFile("q.sql")
        try "SELECT count(*) FROM syscall;\nSELECT count(*) FROM block_requests;\n".write(toFile: file, atomically: true, encoding: .utf8)
        let f = try bpfan(["sql", "--format", "csv", "-f", file, sample])
        #expect(f.status == 0, "\(f.stderr)")
        #expect(f.stdout == "count(*)\r\n19456\r\ncount(*)\r\n1620\r\n")
        let piped = try bpfan(["sql", "--format", "csv", sample], stdin: "SELECT count(*)\n FROM syscall;")
        #expect(piped.stdout == "count(*)\r\n19456\r\n")
    }

    /// As with sqlite3, a script on stdin or in -f may hold dot commands between statements;
    /// errors are located in the whole script, and the first one ends it with exit 2.
    @Test func scriptsTakeDotCommandsBetweenStatements() throws {
        let r = try bpfan(["sql", sample], stdin: ".mode csv\nSELECT count(*)\n FROM syscall;\n.tables\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("count(*)\r\n19456\r\n") && r.stdout.contains("syscall\n") && r.stdout.contains("(view)"), "\(r.stdout)")
        let inline = try bpfan(["sql", sample, ".schema syscall"])
        #expect(inline.status == 0 && inline.stdout.contains("ts"), "\(inline.stderr)")
        let bad = try bpfan(["sql", sample], stdin: "SELECT 1;\n.mode xml\nSELECT 2;\n")
        #expect(bad.status == 2)
        #expect(bad.stdout == "1\n-\n1\n", "\(bad.stdout)")
        #expect(bad.stderr == "bpfan sql: .mode expects table, csv or json, at line 2 of stdin\n")
        let late = try bpfan(["sql", sample], stdin: ".mode csv\n\nSELECT 1;\nSELECT count(*)\nFROM syscall WHERE pid = = 3;\n")
        #expect(late.status == 2)
        #expect(late.stderr == "bpfan sql: near \"=\": syntax error at line 5, column 26 of stdin (byte 62):\nFROM syscall WHERE pid = = 3;\n                         ^\n", "\(late.stderr)")
        let quit = try bpfan(["sql", "--format", "csv", sample], stdin: "SELECT 1 AS x;\n.quit\nSELECT nosuch;\n")
        #expect(quit.status == 0 && quit.stdout == "x\r\n1\r\n", "\(quit.stderr)")
    }

    @Test func statsShowChunksReadAgainstSkipped() throws {
        let r = try bpfan(["sql", "--stats", sample, "SELECT count(*) FROM syscall WHERE ts < 0"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("syscall: 1 scan, chunks read 0, skipped 3 (by their statistics), rows scanned 0, returned 0, columns decoded 1 of 7"), "\(r.stderr)")
    }

    @Test func badSQLIsSQLitesMessageWithItsPositionAndExit2() throws {
        let r = try bpfan(["sql", sample, "SELECT count(*)\nFROM syscall WHERE pid = = 3"])
        #expect(r.status == 2)
        #expect(r.stderr == "bpfan sql: near \"=\": syntax error at line 2, column 26 of the query (byte 41):\nFROM syscall WHERE pid = = 3\n                         ^\n")
        let missing = try bpfan(["sql", sample, "SELECT * FROM nosuch"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such table: nosuch"))
    }

    @Test func aQueryPastMaxMemoryStopsWithAClearError() throws {
        let r = try bpfan(["sql", "--max-memory", "16M", sample,
                           "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 200000) SELECT length(group_concat(hex(randomblob(200)))) FROM c"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("bpfan sql: the query needs more memory than --max-memory 16M allows"), "\(r.stderr)")
        // The same query fits the default 2 GB.
        #expect(try bpfan(["sql", sample, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 200000) SELECT length(group_concat(hex(randomblob(200)))) > 0 FROM c"]).status == 0)
    }

    @Test func badArgumentsNameWhatIsWrong() throws {
        let r = try bpfan(["sql", "/nonexistent.trc", "SELECT 1"])
        #expect(r.status == 1 && r.stderr.contains("/nonexistent.trc: cannot open"))
        let f = try bpfan(["sql", "--format", "xml", sample, "SELECT 1"])
        #expect(f.status != 0 && f.stderr.contains("--format xml: expected table, csv or json"))
        let m = try bpfan(["sql", "--max-memory", "lots", sample, "SELECT 1"])
        #expect(m.status != 0 && m.stderr.contains("--max-memory lots"))
    }

    @Test func aDamagedChunkStopsTheQueryWithItsOffset() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sample)))
        // The sample's largest block is a syscall chunk; zero 32 bytes in its payload.
        let path = scratchFile("damaged.trc")
        let mid = 902599 + 79709 / 2
        for i in mid..<(mid + 32) { bytes[i] = 0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try bpfan(["sql", path, "SELECT sum(duration) FROM syscall"])
        #expect(r.status == 1)
        #expect(r.stderr == "bpfan sql: \(path): offset 902599: chunk block is damaged (CRC mismatch)\n", "\(r.stderr)")
        // Tables in sound chunks still answer.
        #expect(try bpfan(["sql", path, "SELECT count(*) FROM sched_switch"]).status == 0)
    }

    /// The interactive shell needs a terminal: util-linux `script` gives it one.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pseudo-terminal"))
    func theShellTakesDotCommandsAndStatements() throws {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("bpfan").path
        let input = ".tables\n.schema processes\n.mode json\nSELECT count(*) AS n\n FROM syscall;\n.bogus\nSELECT * FROM;\n.quit\nSELECT 'after quit';\n"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", "\(exe) sql \(sample)", "/dev/null"]
        let out = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardInput = inp
        try p.run()
        inp.fileHandleForWriting.write(Data(input.utf8))
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).replacingOccurrences(of: "\r", with: "")
        p.waitUntilExit()
        #expect(o.contains("\nsyscall_detail\n"))
        #expect(o.contains("block_requests  (view)\n"))
        #expect(o.contains("  \"argv\" TEXT,"))
        // libedit shows each line after its prompt; the result follows the continued statement.
        #expect(o.contains("bpfan> SELECT count(*) AS n\n   ...>  FROM syscall;\n{\"n\":19456}\n"), "\(o)")
        #expect(o.contains("bpfan sql: unknown command .bogus"))
        #expect(o.contains("near \";\": syntax error at line 1, column 14"))
        #expect(!o.contains("after quit\"}"))
    }
}
