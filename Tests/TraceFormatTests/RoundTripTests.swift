import Foundation
import Testing
@testable import TraceFormat

let eventSchema = TableSchema(name: "sched_switch", family: "sched", doc: "test", columns: [
    ColumnSchema(name: "ts", type: .u64, unit: "ns"),
    ColumnSchema(name: "cpu", type: .u32),
    ColumnSchema(name: "ret", type: .i64),
    ColumnSchema(name: "addr", type: .u64),
    ColumnSchema(name: "comm", type: .str, max: 16),
])

@Test func writesAndReadsBackOneTable() throws {
    let path = temporaryPath()
    let writer = try TraceWriter(path: path)
    try writer.writeMetadata(name: MetadataName.host, json: HostInfo(hostname: "h", kernelRelease: "6.18", machine: "x86_64", cpuCount: 2, pageSize: 4096))
    let id = try writer.defineTable(eventSchema)
    var buffer = TableBuffer(tableID: id, schema: eventSchema)
    for i in 0..<1000 {
        buffer.append(row: [.int(1_000_000 + Int64(i) * 10 - (i % 3 == 0 ? 25 : 0)), .int(Int64(i % 2)), .int(i % 7 == 0 ? -2 : Int64(i)),
                            .u64(0xffff_8880_0000_0000 + UInt64(i) * 64), .string(i % 2 == 0 ? "swapper/0" : "")])
    }
    try writer.flush(&buffer)
    try writer.close()

    let file = try TraceFile(path: path)
    #expect(file.damage.isEmpty)
    #expect(file.hasFooter)
    #expect(file.rowCount(ofTable: "sched_switch") == 1000)
    let host = try file.metadata(named: MetadataName.host, as: HostInfo.self)
    #expect(host?.cpuCount == 2)
    let cols = try file.read(file.chunks[0])
    guard case .ints(let ts) = cols["ts"], case .ints(let addr) = cols["addr"], case .blobs(let comm) = cols["comm"] else {
        Issue.record("missing columns")
        return
    }
    #expect(ts[3] == 1_000_000 + 30 - 25)
    let expected: UInt64 = 0xffff_8880_0000_0000 + 999 * 64
    #expect(UInt64(bitPattern: addr[999]) == expected)
    #expect(comm.string(0) == "swapper/0")
    #expect(comm.string(1) == "")
    #expect(file.verify().isEmpty)
}
