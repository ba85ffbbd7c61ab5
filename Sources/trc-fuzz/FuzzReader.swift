import Foundation
#if !FUZZING
import TraceFormat
#endif

/// Feeds arbitrary bytes to the recording reader: index, verify, metadata, every chunk. The
/// reader must answer with damage reports, never crash, hang or allocate without bound.
func exerciseReader(_ bytes: [UInt8]) {
    guard let file = try? TraceFile(bytes: bytes, name: "fuzz") else { return }
    _ = file.verify()
    for name in file.metadataNames { _ = try? file.metadata(named: name) }
    _ = RecordingSummary(file)
}

#if FUZZING
// Built by `make fuzz` with -sanitize=fuzzer: libFuzzer supplies main and calls this.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    exerciseReader(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
/// Without the fuzzer: `--write-seed PATH` writes a small sound recording for the seed corpus;
/// otherwise replays the files named on the command line (a corpus or a crash).
@main
struct ReplayCorpus {
    static func main() throws {
        let args = Array(CommandLine.arguments.dropFirst())
        if args.first == "--write-seed", args.count == 2 {
            try writeSeed(args[1])
            return
        }
        if args.first == "--write-ring-seed", args.count == 2 {
            try writeSeed(args[1], layout: .ring(capacity: 4096))
            return
        }
        for path in args {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            exerciseReader([UInt8](data))
            print("\(path): ok")
        }
    }
}
#endif

#if !FUZZING
/// Two small tables with every column type, some chunks, metadata and a footer (as a ring:
/// chunks going round a 4 KiB data region, the oldest dropped).
func writeSeed(_ path: String, layout: TraceLayout = .linear) throws {
    let writer = try TraceWriter(path: path, overwrite: true, layout: layout)
    try writer.writeMetadata(name: MetadataName.host, json: HostInfo(hostname: "seed", kernelRelease: "6.18", machine: "x86_64", cpuCount: 2, pageSize: 4096))
    let a = TableSchema(name: "a", family: "x", columns: [
        ColumnSchema(name: "ts", type: .u64), ColumnSchema(name: "cpu", type: .u32), ColumnSchema(name: "v", type: .i64),
        ColumnSchema(name: "s", type: .str, max: 16), ColumnSchema(name: "b", type: .bytes, max: 32), ColumnSchema(name: "k", type: .u8),
    ])
    let b = TableSchema(name: "b", family: "y", columns: [ColumnSchema(name: "ts", type: .u64), ColumnSchema(name: "id", type: .i32)])
    let ida = try writer.defineTable(a)
    let idb = try writer.defineTable(b)
    for chunk in 0..<(layout == .linear ? 3 : 12) {
        var ta = TableBuffer(tableID: ida, schema: a)
        var tb = TableBuffer(tableID: idb, schema: b)
        for i in 0..<(20 + chunk * 10) {
            ta.append(row: [.int(Int64(1000 + i * 7 - (i % 3))), .int(Int64(i % 2)), .int(Int64(i) - 5), .string("c\(i % 3)"), .bytes([UInt8(i), 0, 1]), .int(Int64(i % 200))])
            tb.append(row: [.int(Int64(2000 + i)), .int(Int64(i * 1000))])
        }
        try writer.flush(&ta, zstdLevel: chunk == 1 ? 0 : 1)
        try writer.flush(&tb, zstdLevel: 1)
    }
    try writer.close()
}
#endif
