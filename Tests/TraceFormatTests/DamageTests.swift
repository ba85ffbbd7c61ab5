import Foundation
import Testing
@testable import TraceFormat

/// A killed writer or a damaged disk must never cost more than the damaged part.
@Suite struct DamageTests {
    static func sampleBytes(close: Bool = true) throws -> (bytes: [UInt8], chunkOffsets: [Int]) {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try RandomRecording.write(to: path, seed: 9, tables: 2, chunksPerTable: 2, maxRows: 60, close: close)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let file = try TraceFile(bytes: bytes)
        return (bytes, file.chunks.map(\.offset))
    }

    @Test func truncationAtEveryByteOfTheLastChunkAndFooterKeepsThePrefix() throws {
        let (bytes, offsets) = try Self.sampleBytes()
        let full = try TraceFile(bytes: bytes)
        let reference = try readAll(full)
        let lastChunk = offsets.max()!
        for length in lastChunk..<bytes.count {
            let file = try TraceFile(bytes: Array(bytes[0..<length]), name: "cut\(length)")
            // Every chunk that ends before the cut reads back exactly as in the whole file.
            let complete = full.chunks.filter { $0.offset + $0.length <= length }
            #expect(file.chunks.count == complete.count, "cut at \(length)")
            for (a, b) in zip(file.chunks, complete) {
                let name = full.tables[b.tableID]!.name
                let index = full.chunks.filter { $0.tableID == b.tableID && $0.offset < b.offset }.count
                #expect(try file.read(a) == reference[name]![index], "cut at \(length)")
            }
            // The cut inside the last chunk is reported, never decoded.
            if length > lastChunk && length < lastChunk + full.chunks.last!.length {
                #expect(file.damage.contains { $0.offset == lastChunk }, "cut at \(length): \(file.damage)")
            }
            #expect(!file.hasFooter)
        }
    }

    @Test func aFlippedBitDamagesOnlyItsChunk() throws {
        for closed in [true, false] {
            let (bytes, offsets) = try Self.sampleBytes(close: closed)
            let full = try TraceFile(bytes: bytes)
            let reference = try readAll(full)
            for (k, offset) in offsets.enumerated() {
                let chunk = full.chunks[k]
                // Flip one bit in the payload, and separately one in the block header.
                for position in [offset + FileLayout.blockHeaderSize + chunk.length / 2 - 12, offset + 9] {
                    var damaged = bytes
                    damaged[position] ^= 0x10
                    let file = try TraceFile(bytes: damaged, name: "flip\(position)")
                    let problems = file.verify().filter { !$0.message.contains("no footer") }
                    #expect(problems.count == 1, "closed=\(closed) flip at \(position): \(problems)")
                    #expect(problems.first?.offset == offset, "closed=\(closed) flip at \(position): \(problems)")
                    // All other chunks still read back exactly.
                    for other in file.chunks where other.offset != offset {
                        let name = file.tables[other.tableID]!.name
                        let index = full.chunks.filter { $0.tableID == other.tableID && $0.offset < other.offset }.count
                        #expect(try file.read(other) == reference[name]![index])
                    }
                }
            }
        }
    }

    @Test func garbageAndForeignFilesGiveOneLineErrors() throws {
        #expect(throws: FormatError.self) { try TraceFile(bytes: Array("hello world, not a recording at all".utf8)) }
        #expect(throws: FormatError.self) { try TraceFile(bytes: []) }
        var newer = try Self.sampleBytes().bytes
        newer[8] = 9  // major version 9
        // Fix the header CRC so that only the version is wrong.
        let crc = CRC32C.checksum(Array(newer[0..<28]))
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { newer[28 + i] = $0[i] } }
        do {
            _ = try TraceFile(bytes: newer, name: "new.trc")
            Issue.record("a newer major version was accepted")
        } catch let e as FormatError {
            #expect(e.description.contains("newer"))
            #expect(e.description.hasPrefix("new.trc: offset 8:"))
        }
    }

    @Test func randomGarbageNeverCrashesTheReader() throws {
        var rng = SplitMix64(seed: 3)
        let (bytes, _) = try Self.sampleBytes()
        for _ in 0..<300 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...20, using: &rng) {
                damaged[Int.random(in: 32..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if let file = try? TraceFile(bytes: damaged) {
                _ = file.verify()
                _ = file.metadataNames.map { try? file.metadata(named: $0) }
            }
        }
    }
}
