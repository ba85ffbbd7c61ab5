import Foundation
import Testing
import TraceTestSupport

/// `bpfan export --format perfetto` on samples/offcpu.trc, decoded by Tests/Validation/
/// perfetto-check.py against Perfetto's own Trace schema (the perfetto PyPI package's compiled
/// protos: no unknown field, every interned id and track defined, slices balanced), and what it
/// holds compared with bpfan's other readers of the same rows: the samples with `bpfan sql`'s
/// counts and `bpfan profile`'s stacks, the off-CPU slices with `bpfan offcputime`'s time and
/// stacks per thread. Perfetto's trace processor binary is downloaded on first use, which this
/// machine cannot do: when it runs, its counts are checked too; when not, the test says so.
@Suite struct PerfettoExportTests {
    let sample = GoldenOutputTests.samples.appendingPathComponent("offcpu.trc").path
    static let checker = GoldenOutputTests.samples.deletingLastPathComponent().appendingPathComponent("Tests/Validation/perfetto-check.py").path

    static let hasPerfetto: Bool = {
        guard let python = ExportCommandTests.tool("python3") else { return false }
        return (try? runBinary(python, ["-c", "import google.protobuf.unknown_fields, perfetto.protos.perfetto.trace.perfetto_trace_pb2"]).status) == 0
    }()

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// JSON Lines stack records of a tool: (labels, kernel, user, value).
    func stacks(_ arguments: [String]) throws -> [(labels: [String: Any], kernel: [String], user: [String], value: Int)] {
        let r = try runBpfan(arguments)
        #expect(r.status == 0, "\(r.stderr)")
        return try r.stdout.split(separator: "\n").compactMap { line in
            guard let o = try json(String(line)) as? [String: Any], o["type"] as? String == "stack" else { return nil }
            return (o["labels"] as? [String: Any] ?? [:], o["kernel"] as? [String] ?? [], o["user"] as? [String] ?? [], o["value"] as? Int ?? -1)
        }
    }

    @Test(.enabled(if: hasPerfetto, "needs python3 with the perfetto and protobuf packages (pip install perfetto)"))
    func exportedTraceMatchesTheSchemaAndBpfansCounts() throws {
        let out = "/tmp/bpfan-perfetto-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).pftrace"
        defer { unlink(out) }
        let export = try runBpfan(["export", "--format", "perfetto", sample, "-o", out])
        #expect(export.status == 0, "\(export.stderr)")
        let checked = try runBinary(ExportCommandTests.tool("python3")!, [Self.checker, out])
        try #require(checked.status == 0, "perfetto-check: \(checked.stderr)")
        let summary = try #require(try json(checked.stdout) as? [String: Any])
        let samples = try #require(summary["samples"] as? [[String: Any]])
        let slices = try #require(summary["slices"] as? [String: [[String: Any]]])

        // Samples: as many per thread as the recording's cpu_sample rows.
        let perTid = try runBpfan(["sql", "--format", "csv", sample, "SELECT tid, count(*) FROM cpu_sample GROUP BY tid"])
        var expected: [Int: Int] = [:]
        for line in perTid.stdout.split(separator: "\r\n").dropFirst() {
            let f = line.split(separator: ",")
            expected[Int(f[0])!] = Int(f[1])!
        }
        var got: [Int: Int] = [:]
        for s in samples { got[s["tid"] as! Int, default: 0] += 1 }
        #expect(!expected.isEmpty && got == expected)
        // Their callstacks, outermost first, are profile's stacks (profile repeats the sampled
        // kernel IP at the top, as bcc's profile.py inserts it: once here).
        var profile: [String: Int] = [:]
        for s in try stacks(["profile", "--json", sample]) {
            let kernel = s.kernel.isEmpty ? [] : Array(s.kernel.dropFirst())
            profile["\(s.labels["pid"]!) " + (s.user.reversed() + kernel.reversed()).joined(separator: ";"), default: 0] += s.value
        }
        var traced: [String: Int] = [:]
        for s in samples { traced["\(s["pid"]!) " + (s["frames"] as! [String]).joined(separator: ";"), default: 0] += 1 }
        #expect(!profile.isEmpty && traced == profile)

        // Off-CPU slices with a stack: per thread and kernel stack, offcputime's microseconds.
        var offcpu: [String: Int] = [:]
        for s in try stacks(["offcputime", "--json", "-K", sample]) { offcpu["\(s.labels["tid"]!) " + s.kernel.joined(separator: ";"), default: 0] += s.value }
        var sliced: [String: Int] = [:]
        var all = 0, names: Set<String> = []
        for (tid, list) in slices {
            all += list.count
            for s in list {
                names.insert(s["name"] as! String)
                guard let kernel = s["kernel"] as? String else { continue }
                let us = (s["dur"] as! Int) / 1000
                if us >= 1 { sliced["\(tid) " + kernel.split(separator: "\n").joined(separator: ";"), default: 0] += us }
            }
        }
        #expect(!offcpu.isEmpty && sliced == offcpu)
        // The sample's known paths: python's time.sleep and the pipe read it waits on.
        #expect(names.contains("off-CPU: do_nanosleep") && names.contains("off-CPU: anon_pipe_read"), "\(names.sorted())")
        #expect(export.stderr.contains("bpfan export: \(samples.count) cpu samples, \(all) off-CPU spans ("), "\(export.stderr)")

        let processor = summary["processor"] as? [String: Any] ?? [:]
        if let n = processor["perf_samples"] as? Int {
            #expect(n == samples.count)
            #expect(processor["slices"] as? Int == all)
        } else {
            print("perfetto trace processor not run: \(processor["unavailable"] ?? "?"); checked against the schema only")
        }
    }

    @Test func perfettoExportRefusesWhatItCannotWrite() throws {
        let two = try runBpfan(["export", "--format", "perfetto", sample, sample, "-o", "/tmp/x.pftrace"])
        #expect(two.status != 0 && two.stderr.contains("--format perfetto: give one recording"), "\(two.stderr)")
        let dir = try runBpfan(["export", "--format", "perfetto", sample, "-o", "/nonexistent-dir/x.pftrace"])
        #expect(dir.status == 1 && dir.stderr.contains("-o /nonexistent-dir/x.pftrace: No such file or directory"), "\(dir.stderr)")
        #expect(dir.stderr.split(separator: "\n").count == 1, "\(dir.stderr)")
    }
}
