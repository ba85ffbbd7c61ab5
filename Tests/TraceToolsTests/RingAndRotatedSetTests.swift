import Foundation
import Testing
import TraceFormat
import TraceSchema

/// bpfan over a ring (format 2.0) and over the numbered files of --rotate, through the binary:
/// info states what was lost, check verifies every file, tools read the set as one recording.
@Suite struct RingAndRotatedSetTests {
    static let start: Int64 = 5_000_000_000

    /// 30 chunks of 1,000 syscalls a second apart (syscall nr = the chunk's number).
    static func write(_ w: TraceWriter) throws {
        try w.writeMetadata(name: MetadataName.host, json: HostInfo(hostname: "testhost", kernelRelease: "6.18.0", machine: "x86_64", cpuCount: 2, pageSize: 4096))
        try w.writeMetadata(name: MetadataName.clock, json: ClockAnchors(start: .init(monotonic: start, realtime: 1_764_000_000_000_000_000, boottime: start)))
        try w.writeMetadata(name: MetadataName.recording, json: RecordingInfo(tool: "bpfrec", version: "test", commandLine: ["bpfrec", "record"],
                                                                            families: ["syscalls"], startTime: start))
        try w.writeMetadata(name: MetadataName.syscallNames, json: Dictionary(uniqueKeysWithValues: (0..<30).map { ("\($0)", "call\($0)") }))
        let syscall = EventTables.named("syscall")!
        let snapshot = EventTables.named("process_snapshot")!
        let sid = try w.defineTable(syscall)
        let pid = try w.defineTable(snapshot, retained: true)
        var p = TableBuffer(tableID: pid, schema: snapshot)
        p.append(row: snapshot.columns.map { $0.type.isInteger ? .int($0.name == "ts" ? start : 100) : .string("task") })
        try w.flush(&p)
        var seed: UInt64 = 42
        for n in 0..<30 {
            var b = TableBuffer(tableID: sid, schema: syscall)
            for i in 0..<1000 {
                let ts = start + Int64(n) * 1_000_000_000 + Int64(i) * 100_000
                b.append(row: [.int(ts), .int(Int64(i % 2)), 100, 101, .int(Int64(n)), 0, .int(Int64(seed >> 34)), 0])
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            }
            // Random durations: each chunk takes a few KiB.
            try w.flush(&b, zstdLevel: 0)
        }
        try w.close()
    }

    @Test func aRotatedSetIsOneRecording() throws {
        let base = scratchFile("run.trc")
        let w = try TraceWriter(path: base, layout: .rotate(bytes: 48 << 10, seconds: nil))
        try Self.write(w)
        let files = w.finishedParts + [w.currentPath]
        #expect(files.count >= 3, "\(files)")
        let info = try runBpfan(["info"] + files.reversed())
        #expect(info.status == 0 && info.stdout.contains("\(files.count) files of a rotated set") && info.stdout.contains("file 1: \(files[0])"), "\(info.stdout)\(info.stderr)")
        let check = try runBpfan(["check"] + files)
        #expect(check.status == 0 && check.stdout.contains("sound:") && check.stdout.contains(" 30001 rows"), "\(check.stdout)")
        let all = try runBpfan(["syscount", "-L", "-T", "40"] + files)
        #expect(all.status == 0, "\(all.stderr)")
        for n in 0..<30 { #expect(all.stdout.contains("call\(n)") && all.stdout.contains("1000"), "\(all.stdout)") }
        // Without file 2: said, and its calls are not counted.
        let gap = try runBpfan(["syscount", "-T", "40"] + [files[0]] + files.dropFirst(2))
        #expect(gap.status == 0 && gap.stderr.contains("file 2 of the rotated set is missing"), "\(gap.stderr)")
        let whole = try runBpfan(["syscount", "-T", "40", files[1]])
        let missing = (0..<30).filter { whole.stdout.contains("call\($0) ") }
        #expect(!missing.isEmpty && missing.allSatisfy { !gap.stdout.contains("call\($0) ") }, "\(whole.stdout)\n\(gap.stdout)")
        // A file of another recording is refused, naming it.
        let other = scratchFile("other.trc")
        try writeSyntheticRecording(other)
        let mixed = try runBpfan(["info", files[0], other])
        #expect(mixed.status == 1 && mixed.stderr.contains("\(other): is not one of the numbered files"), "\(mixed.stderr)")
    }

    /// compare takes each side's numbered files in a row (`base.*.trc new.*.trc TOOL`); the same
    /// events as a set and as one file compare equal, key by key.
    @Test func compareTakesARotatedSetOnEitherSide() throws {
        let pattern = scratchFile("cmpset.trc")
        let w = try TraceWriter(path: pattern, layout: .rotate(bytes: 48 << 10, seconds: nil))
        try Self.write(w)
        let set = w.finishedParts + [w.currentPath]
        #expect(set.count >= 3, "\(set)")
        let single = scratchFile("cmpone.trc")
        try Self.write(try TraceWriter(path: single))
        for (args, baseShown) in [(set + [single], set.joined(separator: " ")), ([single] + set, single)] {
            let r = try runBpfan(["compare"] + args + ["syscount"])
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            #expect(r.stdout.contains("BASE \(baseShown): host testhost"), "\(r.stdout)")
            // 30 calls, each 1,000 times a second in both: no change is called.
            for n in 0..<30 { #expect(r.stdout.contains("call\(n) ") , "\(r.stdout)") }
            #expect(r.stdout.contains("0 regressed, 0 improved, 30 ~, 0 inconclusive"), "\(r.stdout)")
        }
        // Two sets side by side: split where the numbered names change.
        let other = scratchFile("cmpset2.trc")
        let w2 = try TraceWriter(path: other, layout: .rotate(bytes: 48 << 10, seconds: nil))
        try Self.write(w2)
        let set2 = w2.finishedParts + [w2.currentPath]
        let both = try runBpfan(["compare"] + set + set2 + ["syscount"])
        #expect(both.status == 0 && both.stdout.contains("NEW  \(set2.joined(separator: " ")): host testhost"), "\(both.stdout)\(both.stderr)")
        let alone = try runBpfan(["compare"] + set + ["syscount"])
        #expect(alone.status == 2 && alone.stderr.contains("missing NEW.trc after the base recording \(set.joined(separator: " "))"), "\(alone.stderr)")
    }

    @Test func aRingStatesWhatItDroppedAndToolsStartWhereItIsComplete() throws {
        let path = scratchFile("ring.trc")
        let w = try TraceWriter(path: path, layout: .ring(capacity: 64 << 10))
        try Self.write(w)
        let file = try TraceFile(path: path)
        let ring = try #require(file.ring)
        #expect(ring.droppedChunks > 0 && ring.droppedChunks < 30, "\(ring)")
        let info = try runBpfan(["info", path])
        #expect(info.status == 0 && info.stdout.contains("format 2.0, closed cleanly"), "\(info.stdout)")
        #expect(info.stdout.contains("ring:       64.0 KiB (--ring): \(ring.liveChunks) chunks kept") && info.stdout.contains("dropped the oldest \(ring.droppedChunks) chunks"), "\(info.stdout)")
        #expect(info.stdout.contains("covered:    complete from"), "\(info.stdout)")
        let json = try runBpfan(["info", "--json", path])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let r = try #require((o["ring"] as? [[String: Any]])?.first)
        #expect(r["dropped_chunks"] as? Int == ring.droppedChunks && r["dropped_rows"] as? Int == ring.droppedRows)
        // The kept chunks are the newest: calls of the dropped seconds are not counted, with a note.
        let count = try runBpfan(["syscount", path])
        #expect(count.status == 0 && count.stderr.contains("the ring (65536 bytes) dropped its oldest \(ring.droppedChunks) chunks"), "\(count.stderr)")
        let counted = try runBpfan(["syscount", "-T", "40", path])
        for n in 0..<30 {
            #expect(counted.stdout.contains("call\(n) ") == (n >= ring.droppedChunks), "call\(n): \(counted.stdout)")
        }
        #expect(try runBpfan(["check", path]).status == 0)
    }
}
