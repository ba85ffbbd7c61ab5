import Foundation
import Testing
import TraceTestSupport

/// `bpfan export` read back by each format's real consumer: the sqlite3 CLI, Python's csv and
/// json modules, and DuckDB (PyPI) on the CSV files; every table's and view's row count must
/// equal what `bpfan sql` counts over the recording itself.
@Suite struct ExportCommandTests {
    let sample = SampleRecordingTests.sample

    static func tool(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Row counts per table and view, from `bpfan sql` over the recording.
    func expectedCounts() throws -> [String: Int] {
        let names = try runBpfan(["sql", "--format", "csv", sample, "SELECT name FROM temp.sqlite_master WHERE type = 'table' ORDER BY name"])
        var out: [String: Int] = [:]
        for name in names.stdout.split(separator: "\r\n").dropFirst() {
            let r = try runBpfan(["sql", "--format", "csv", sample, "SELECT count(*) FROM \"\(name)\""])
            out[String(name)] = Int(r.stdout.split(separator: "\r\n")[1])
        }
        return out
    }

    @Test(.enabled(if: tool("sqlite3") != nil, "needs the sqlite3 CLI"))
    func theSQLiteFileOpensInTheSQLite3CLI() throws {
        let db = scratchFile("export.db")
        let r = try runBpfan(["export", "--format", "sqlite", sample, "-o", db])
        #expect(r.status == 0, "\(r.stderr)")
        let expected = try expectedCounts()
        #expect(expected["syscalls"] == 19456 && expected["block_requests"] == 1620)
        for (name, n) in expected {
            let c = try runBinary(Self.tool("sqlite3")!, [db, "SELECT count(*) FROM \"\(name)\""])
            #expect(Int(c.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == n, "\(name): \(c.stdout) \(c.stderr)")
        }
        // Indexed, documented, and u64 values above 2^63 kept exact (as text).
        let idx = try runBinary(Self.tool("sqlite3")!, [db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('syscalls_ts', 'syscalls_pid', 'syscall_ts', 'block_requests_complete_ts')"])
        #expect(idx.stdout == "4\n")
        let doc = try runBinary(Self.tool("sqlite3")!, [db, "SELECT type FROM bpfan_columns WHERE table_name = 'block_requests' AND column_name = 'rq'"])
        #expect(doc.stdout == "U64\n")
        let rq = try runBinary(Self.tool("sqlite3")!, [db, "SELECT count(*) FROM block_requests WHERE rq LIKE '0xffff%' AND typeof(rq) = 'text'"])
        #expect(rq.stdout == "1620\n")
        // A second export to the same file is refused rather than mixed in.
        #expect(try runBpfan(["export", "--format", "sqlite", sample, "-o", db]).status == 1)
    }

    /// Python's csv and json modules (and DuckDB when installed) count every file's rows.
    static let counter = """
    import csv, json, os, sys
    d, fmt = sys.argv[1], sys.argv[2]
    out = {}
    for f in sorted(os.listdir(d)):
        name, ext = f.rsplit('.', 1)
        with open(os.path.join(d, f), newline='') as h:
            if fmt == 'csv':
                rows = list(csv.reader(h))
                out[name] = len(rows) - 1
            else:
                out[name] = sum(1 for line in h if json.loads(line) is not None)
    duck = {}
    if fmt == 'csv':
        try:
            import duckdb
            for f in sorted(os.listdir(d)):
                name = f.rsplit('.', 1)[0]
                path = os.path.join(d, f).replace("'", "''")
                duck[name] = duckdb.sql(f"SELECT count(*) FROM read_csv('{path}', header = true, all_varchar = true)").fetchall()[0][0] if out[name] > 0 else 0
        except ImportError:
            duck = None
    print(json.dumps({"python": out, "duckdb": duck}))
    """

    @Test(.enabled(if: tool("python3") != nil, "needs python3"), arguments: ["csv", "jsonl"])
    func csvAndJsonLinesReadBackInPython(format: String) throws {
        let dir = scratchFile("export-\(format)")
        let r = try runBpfan(["export", "--format", format, sample, "-o", dir])
        #expect(r.status == 0, "\(r.stderr)")
        let py = try runBinary(Self.tool("python3")!, ["-c", Self.counter, dir, format == "csv" ? "csv" : "json"])
        #expect(py.status == 0, "\(py.stderr)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(py.stdout.utf8)) as? [String: Any])
        let expected = try expectedCounts()
        #expect((parsed["python"] as? [String: Int]) == expected)
        if format == "csv" {
            // DuckDB from PyPI; recorded as an issue-free skip only when it is not installed.
            if let duck = parsed["duckdb"] as? [String: Int] { #expect(duck == expected) } else {
                print("DuckDB is not installed (pip install duckdb): its reading of the CSV export was not checked")
            }
        }
    }

    @Test func parquetIsRefusedWithTheReason() throws {
        let r = try runBpfan(["export", "--format", "parquet", sample, "-o", scratchFile("x.parquet")])
        #expect(r.status != 0 && r.stderr.contains("Parquet needs an Arrow library Debian 12 does not ship"), "\(r.stderr)")
    }
}
