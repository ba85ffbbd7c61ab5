import Foundation
import Testing
import TraceExpressions
import TraceFormat
import TraceSchema
@testable import TraceAnalysis

/// The schemas' tracepoint views name real columns, their expressions compile over the
/// table's columns, and (where tracefs is readable) every field is a field of the kernel's
/// format for that tracepoint.
@Suite struct TracepointViewTests {
    @Test func viewsReadTheirTablesColumns() throws {
        #expect(!EventTables.tracepointViews.isEmpty)
        for (event, view) in EventTables.tracepointViews {
            let schema = try #require(EventTables.all.first { $0.name == view.table }, "\(event): no table \(view.table)")
            let types = Dictionary(schema.columns.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
            for f in view.fields where types[f.from] == nil {
                let e = try CExpressionParser.parse(f.from)
                let compiled = try CExpressionCompiler.compile(e, TableColumnBindings(types: types, columns: TracepointColumns()))
                // Integers, but for the addresses kept as one 16-byte column (v4()/v6() of it).
                if case .call(let fn, _) = e, fn == "v4" || fn == "v6" {
                    #expect(compiled.type == .string, "\(event) \(f.name)")
                    continue
                }
                guard case .integer = compiled.type else { Issue.record("\(event) \(f.name): not an integer"); continue }
            }
        }
    }

    @Test func viewFieldsAreTheKernelsFormatFields() throws {
        for (event, view) in EventTables.tracepointViews {
            let parts = event.split(separator: ":")
            let path = "/sys/kernel/tracing/events/\(parts[0])/\(parts[1])/format"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let format = try TracepointFormat.parse(text, system: String(parts[0]))
            let names = Set(format.fields.map(\.name))
            // bpfan's own additions, said in the scripts that read them (tcplife.bt).
            let extras: Set<String> = event == "sock:inet_sock_set_state" ? ["bytes_acked", "bytes_received"] : []
            for f in view.fields where !extras.contains(f.name) { #expect(names.contains(f.name), "\(event): \(f.name) is not a field of the kernel's format") }
        }
    }

    /// The IPv4 and IPv6 address fields of inet_sock_set_state as TP_STORE_ADDRS writes them
    /// from the one address the tcp family keeps.
    @Test(arguments: [(2, "v4", [127, 0, 0, 1]), (10, "v4", [0, 0, 0, 0]),
                      (2, "v6", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 127, 0, 0, 1]), (10, "v6", [127, 0, 0, 1] + Array(repeating: 0, count: 11) + [1])] as [(Int64, String, [UInt8])])
    func addressFieldsAreTheTracepointsArrays(family: Int64, fn: String, bytes: [UInt8]) throws {
        let schema = try #require(EventTables.all.first { $0.name == "tcp_state" })
        let types = Dictionary(schema.columns.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        let columns = TracepointColumns()
        let compiled = try CExpressionCompiler.compile(CExpressionParser.parse("\(fn)(saddr, family)"), TableColumnBindings(types: types, columns: columns))
        var data: [String: ColumnData] = [:]
        for name in columns.names where name != "saddr" { data[name] = .ints([0]) }
        data["family"] = .ints([family])
        let stored: [UInt8] = family == 2 ? [127, 0, 0, 1] + Array(repeating: 0, count: 12) : [127, 0, 0, 1] + Array(repeating: 0, count: 11) + [1]
        data["saddr"] = .blobs(BlobColumn(dictionary: [stored], codes: [0]))
        let batch = Batch(table: "tcp_state", count: 1, columns: data, order: columns.names)
        #expect(compiled(TracepointRow(batch: batch, row: 0)) == .string(bytes))
    }

    /// prev_state as the sched_switch tracepoint reports it (__trace_sched_switch_state).
    @Test(arguments: [(0, 0, 0), (1, 0, 1), (2, 0, 2), (0x402, 0, 0x80), (0x1000, 0, 2), (0x81, 0, 1), (1, 1, 0x100), (0, 1, 0x100)] as [(Int64, Int64, Int64)])
    func prevStateIsTheTracepointsReportValue(state: Int64, preempt: Int64, reported: Int64) throws {
        let view = try #require(EventTables.tracepointViews["sched:sched_switch"])
        let from = try #require(view.fields.first { $0.name == "prev_state" }?.from)
        let schema = try #require(EventTables.all.first { $0.name == "sched_switch" })
        let types = Dictionary(schema.columns.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        let columns = TracepointColumns()
        let compiled = try CExpressionCompiler.compile(CExpressionParser.parse(from), TableColumnBindings(types: types, columns: columns))
        var data: [String: ColumnData] = [:]
        for name in columns.names { data[name] = .ints([0]) }
        data["prev_state"] = .ints([state])
        data["preempt"] = .ints([preempt])
        let batch = Batch(table: "sched_switch", count: 1, columns: data, order: columns.names)
        #expect(compiled(TracepointRow(batch: batch, row: 0)) == .int(reported))
    }
}
