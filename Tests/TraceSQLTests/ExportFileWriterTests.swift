import Foundation
import TraceReport
import Testing
@testable import TraceSQL

/// Values whose text takes care: integers at both ends, NULL, reals (whole, tiny, infinite),
/// CSV's special characters, JSON's escapes and control characters, non-ASCII text, invalid
/// UTF-8, a quote followed by a combining accent (one Character), blobs, the empty string.
private let trickySQL = """
    SELECT column1 AS "i,d", column2 AS "q""k", column3 AS "text é", column4 AS r, column5 AS b FROM (VALUES
      (0, NULL, 'plain', 1.5, x'00ff'),
      (-9223372036854775808, 9223372036854775807, 'a,b', 2.0, x''),
      (-1, 42, 'q"uo"te', 1e-300, NULL),
      (7, NULL, 'line' || char(10) || 'break' || char(13), 9e999, 'x'),
      (8, 9, char(9) || char(1) || char(31) || char(127) || '\\back', -9e999, 1),
      (10, 11, 'café, "ok"', -0.0, 0.1),
      (12, 13, CAST(x'ff61e2' AS TEXT), 123456789012345678.0, NULL),
      (14, 15, '"' || char(769) || ',', 1e15, ''),
      (16, 17, '', NULL, NULL))
    """

private func printed(_ sql: String, _ format: ResultPrinter.Format) throws -> [UInt8] {
    let db = try SQLiteConnection()
    let stmt = try #require(try db.prepare(Array(sql.utf8) + [0], from: 0).statement)
    var printer = ResultPrinter(format: format, columns: stmt.columnNames)
    var text = ""
    while try stmt.step() { text += printer.row(stmt.row()) }
    text += printer.finish()
    return Array(text.utf8)
}

private func written(_ sql: String, _ format: ExportFileWriter.Format) throws -> (bytes: [UInt8], rows: Int) {
    let db = try SQLiteConnection()
    let stmt = try #require(try db.prepare(Array(sql.utf8) + [0], from: 0).statement)
    let path = NSTemporaryDirectory() + "export-writer-\(UUID().uuidString)"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    #expect(fd >= 0)
    defer { unlink(path) }
    var writer = ExportFileWriter(format: format, columns: stmt.columnNames, fd: fd, path: path)
    let rows = try writer.writeRows(of: stmt)
    close(fd)
    return (Array(try #require(FileManager.default.contents(atPath: path))), rows)
}

@Test func exportWriterWritesThePrintersCSVBytes() throws {
    let w = try written(trickySQL, .csv)
    #expect(w.rows == 9)
    #expect(w.bytes == (try printed(trickySQL, .csv)))
    #expect(String(decoding: w.bytes, as: UTF8.self).hasPrefix("\"i,d\",\"q\"\"k\",text é,r,b\r\n0,,plain,1.5,x'00ff'\r\n"))
}

@Test func exportWriterWritesThePrintersJSONLinesBytes() throws {
    let w = try written(trickySQL, .jsonl)
    #expect(w.rows == 9)
    #expect(w.bytes == (try printed(trickySQL, .json)))
    #expect(String(decoding: w.bytes, as: UTF8.self).contains(#"{"i,d":8,"q\"k":9,"text é":"\t\u0001\u001f"#))
}

@Test func exportWriterOfAnEmptyResultIsTheHeaderOrNothing() throws {
    let empty = "SELECT 1 AS a, 'x' AS b WHERE 0"
    #expect(try written(empty, .csv).bytes == Array("a,b\r\n".utf8))
    #expect(try written(empty, .csv).bytes == (try printed(empty, .csv)))
    #expect(try written(empty, .jsonl).bytes.isEmpty)
}

@Test func exportWriterOfManyRowsFlushesInPiecesAndKeepsEveryByte() throws {
    // Past the flush threshold several times: the pieces join up exactly.
    let many = "WITH RECURSIVE n(i) AS (SELECT -50000 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) SELECT i, 'row ' || i || ',' AS t, i * 0.5 AS h FROM n"
    for (f, p) in [(ExportFileWriter.Format.csv, ResultPrinter.Format.csv), (.jsonl, .json)] {
        let w = try written(many, f)
        #expect(w.rows == 100_001)
        #expect(w.bytes.count > 2 * ExportFileWriter.flushAt)
        #expect(w.bytes == (try printed(many, p)))
    }
}

@Test func exportWriterReportsAFailedWrite() throws {
    // /dev/full takes the open and refuses every write (ENOSPC).
    let db = try SQLiteConnection()
    let stmt = try #require(try db.prepare(Array("SELECT 1".utf8) + [0], from: 0).statement)
    let fd = open("/dev/full", O_WRONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    var writer = ExportFileWriter(format: .csv, columns: stmt.columnNames, fd: fd, path: "/dev/full")
    #expect(throws: SQLError.self) { _ = try writer.writeRows(of: stmt) }
}
