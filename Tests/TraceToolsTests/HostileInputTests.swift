import TraceReport
import TraceTestSupport
import Foundation
import Testing
import TraceFormat
@testable import TraceTools

private func temporaryFile(_ bytes: [UInt8]) throws -> String {
    try FileManager.default.createDirectory(at: SyntheticRecording.directory, withIntermediateDirectories: true)
    let path = SyntheticRecording.directory.appendingPathComponent("hostile-\(UUID().uuidString).trc").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

@Test func emptyAndGarbageFilesAreOneLineErrors() throws {
    let empty = try temporaryFile([])
    let out = try runTool(Biolatency.self, [empty])
    #expect(out.failed && out.stdout.isEmpty)
    #expect(out.stderr == ["bpfan biolatency: \(empty): offset 0: not a bpfrec recording: 0 bytes, shorter than the 32-byte file header"])
    var rng = SystemRandomNumberGenerator()
    let garbage = try temporaryFile((0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) })
    let g = try runTool(Syscount.self, [garbage])
    #expect(g.failed && g.stderr.count == 1 && g.stderr[0].hasPrefix("bpfan syscount: \(garbage): offset 0: "))
    let dir = try runTool(Opensnoop.self, [FileManager.default.temporaryDirectory.path])
    #expect(dir.failed && dir.stderr[0].hasSuffix("not a regular file"))
}

@Test func damagedChunkNamesTheOffset() throws {
    let path = try blockRecording()
    let file = try TraceFile(path: path)
    let chunk = file.chunks(ofTable: "block_rq_issue")[0]
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[chunk.offset + chunk.length - 3] ^= 0xff
    let damaged = try temporaryFile(bytes)
    let out = try runTool(Biolatency.self, [damaged])
    #expect(out.failed)
    #expect(out.stderr.last == "bpfan biolatency: \(damaged): offset \(chunk.offset): chunk block is damaged (CRC mismatch)")
}

@Test func truncatedRecordingIsReadUpToTheTear() throws {
    let path = try blockRecording()
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let file = try TraceFile(path: path)
    // Cut inside the last chunk of block_rq_complete: the footer and that chunk are lost.
    let last = file.chunks(ofTable: "block_rq_complete").last!
    let torn = try temporaryFile(Array(bytes[0..<(last.offset + 10)]))
    let out = try runTool(Biolatency.self, [torn])
    #expect(!out.failed)
    #expect(out.stderr.first?.hasPrefix("bpfan biolatency: warning: \(torn) is damaged (") == true)
    #expect(out.stdout.contains("usecs               : count    distribution"))
}

/// Random flag soup against every tool: each run either fails to parse or runs to an answer or a
/// one-line error; a trap would end the test process.
@Test func fuzzedFlagsNeverCrash() throws {
    let recordings = [try blockToolsRecording(), try snoopRecording(), try syscallRecording(), try blockRecording()]
    let tokens = ["-T", "-m", "-Q", "-D", "-F", "-d", "vda", "sdz", "-c", "x", "-e", "-x", "-p", "0", "1", "-1", "99999999999999999999", "-L", "-P",
                  "-i", "2", "-u", "1000", "-U", "-n", "ca", "-t", "--json", "--from", "--to", "0.5", "22:06:42", "2026-11-29T22:06:43Z", "bogus",
                  "-s", "io", "-r", "3", "-C", "-q", "-l", "--max-args", "61", "-k", "ENOENT", "", "-", "--", "3", "5", "-Dm", "-xT"]
    let tools: [any RecordingTool.Type] = [Biolatency.self, BiolatencyBt.self, Syscount.self, SyscountBt.self, Opensnoop.self, OpensnoopBt.self,
                                           Execsnoop.self, ExecsnoopBt.self, Exitsnoop.self, Killsnoop.self, KillsnoopBt.self, Sigsnoop.self,
                                           Statsnoop.self, StatsnoopBt.self, Bitesize.self, BitesizeBt.self, Biosnoop.self, Biotop.self, Biopattern.self]
    var generator = SplitMix(seed: 42)
    var ran = 0, rejected = 0
    for _ in 0..<300 {
        let tool = tools[Int(generator.next() % UInt64(tools.count))]
        var args = (0..<Int(generator.next() % 6)).map { _ in tokens[Int(generator.next() % UInt64(tokens.count))] }
        args.insert(recordings[Int(generator.next() % 4)], at: Int(generator.next() % UInt64(args.count + 1)))
        do {
            let command = try tool.parseAsRoot(args)
            guard let t = command as? any RecordingTool else { continue }
            let out = t.execute()
            if out.failed { #expect(out.stderr.count >= 1 && out.stderr.allSatisfy { $0.hasPrefix("bpfan ") }) }
            ran += 1
        } catch {
            #expect(!tool.fullMessage(for: error).isEmpty)
            rejected += 1
        }
    }
    #expect(ran > 50 && rejected > 50)
}

/// A small deterministic generator so a failing fuzz case can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
