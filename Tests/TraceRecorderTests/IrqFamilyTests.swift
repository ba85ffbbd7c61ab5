import Foundation
import Glibc
import Testing
import TraceFormat

/// The irq family (tp_btf) sees every soft irq's entry and exit: on each CPU they alternate, the
/// exit naming its entry's vector. (Classic tracepoint programs, which -e irq:* uses, were seen
/// to miss about a third of softirq_entry on CPU 0 with no miss counted: see platform.md.)
extension RecorderTests {
    @Test func softirqEntriesAndExitsPairOnEveryCPU() throws {
        let path = Harness.tempPath("irq")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "irq", "--flush-interval", "200"])
        #expect(rec.waitReady())
        // Timers fire softirqs on every CPU; a second of them is enough.
        usleep(1_200_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")
        let file = try TraceFile(path: path)
        let entries = try Rows(file, "softirq_entry"), exits = try Rows(file, "softirq_exit")
        var events: [(ts: Int64, cpu: Int64, entry: Bool, vec: Int64)] = []
        for r in 0..<entries.count { events.append((entries.int("ts", r), entries.int("cpu", r), true, entries.int("vec", r))) }
        for r in 0..<exits.count { events.append((exits.int("ts", r), exits.int("cpu", r), false, exits.int("vec", r))) }
        // At stop the programs are detached one after another: an exit still attached after its
        // entry went sees softirqs whose entries nobody recorded. At start they are attached one
        // after another too: an entry attached before its exit records softirqs whose exits
        // nobody recorded (the likely cause of a fresh-clone make test's 98 entries and 96 exits,
        // 2 unpaired; not seen again in 3 runs with this filter). The first and last 100 ms are
        // left out.
        let start = (events.map(\.ts).min() ?? 0) + 100_000_000
        let end = (events.map(\.ts).max() ?? 0) - 100_000_000
        events = events.filter { $0.ts > start && $0.ts < end }
        events.sort { ($0.cpu, $0.ts) < ($1.cpu, $1.ts) }
        #expect(entries.count > 50, "too few softirqs to judge: \(entries.count)")
        var open: [Int64: Int64] = [:]
        var seen: Set<Int64> = []
        var unpaired = 0
        for e in events {
            defer { seen.insert(e.cpu) }
            if e.entry {
                if open[e.cpu] != nil { unpaired += 1 }
                open[e.cpu] = e.vec
            } else {
                // The first exit of a CPU may end a softirq that began before the recording.
                if let v = open.removeValue(forKey: e.cpu) { if v != e.vec { unpaired += 1 } } else if seen.contains(e.cpu) { unpaired += 1 }
            }
        }
        #expect(unpaired == 0, "\(unpaired) softirq events without their other half (\(entries.count) entries, \(exits.count) exits)")
    }
}
