import CSQLite
import Foundation
import TraceReport

/// `bpfan export --format csv|jsonl`: one statement's rows written to one file as bytes, the
/// same bytes `ResultPrinter` prints, without a String per field or per row (an export writes
/// millions of rows, and building Strings was most of its time). Integers, NULLs and ASCII text
/// (nearly every value of a recording) are encoded here straight from SQLite's column buffers;
/// reals, blobs and non-ASCII text go through `ResultCell`'s own text, so that Unicode handling
/// and number formatting stay exactly the printer's.
struct ExportFileWriter {
    enum Format { case csv, jsonl }

    let format: Format
    let fd: Int32
    let path: String
    private var out: [UInt8] = []
    /// jsonl: `{"name":` for the first column, `,"name":` for the others (the printer's keys).
    private let jsonKeys: [[UInt8]]
    private let columns: [String]
    private var headerDone = false
    /// Written to the file when the buffer passes this: few, large write(2) calls.
    static let flushAt = 1 << 18

    init(format: Format, columns: [String], fd: Int32, path: String) {
        self.format = format
        self.columns = columns
        self.fd = fd
        self.path = path
        jsonKeys = columns.enumerated().map { Array((($0.offset == 0 ? "{" : ",") + JSONText.quote($0.element) + ":").utf8) }
        out.reserveCapacity(Self.flushAt + (1 << 16))
    }

    /// Every row of `stmt`, then what ends the file; the number of rows.
    mutating func writeRows(of stmt: SQLStatement) throws -> Int {
        var rows = 0
        let n = sqlite3_column_count(stmt.stmt)
        while try stmt.step() {
            rows += 1
            switch format {
            case .csv: csvRow(stmt.stmt, columnCount: n)
            case .jsonl: jsonRow(stmt.stmt, columnCount: n)
            }
            if out.count >= Self.flushAt { try flush() }
        }
        // CSV's header alone for an empty result, as the printer's finish().
        if format == .csv && !headerDone && !columns.isEmpty { csvHeader() }
        try flush()
        return rows
    }

    private mutating func csvHeader() {
        headerDone = true
        out.append(contentsOf: ResultPrinter.csvLine(columns.map { ResultCell.text($0) }).utf8)
    }

    private mutating func csvRow(_ stmt: OpaquePointer, columnCount n: Int32) {
        if !headerDone { csvHeader() }
        for i in 0..<n {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            switch sqlite3_column_type(stmt, i) {
            case SQLITE_INTEGER: appendInt(sqlite3_column_int64(stmt, i))
            case SQLITE_NULL: break
            case SQLITE_TEXT:
                let text = textBytes(stmt, i)
                if text.contains(where: { $0 >= 0x80 }) {
                    appendViaPrinter(.text(String(decoding: text, as: UTF8.self)))
                } else if text.contains(where: Self.csvNeedsQuotes) {
                    out.append(UInt8(ascii: "\""))
                    for b in text {
                        out.append(b)
                        if b == UInt8(ascii: "\"") { out.append(b) }
                    }
                    out.append(UInt8(ascii: "\""))
                } else {
                    out.append(contentsOf: text)
                }
            default: appendViaPrinter(SQLStatement.cell(stmt, i))
            }
        }
        out.append(UInt8(ascii: "\r"))
        out.append(UInt8(ascii: "\n"))
    }

    /// A cell through the printer's own CSV text (one field: the record's CRLF dropped).
    private mutating func appendViaPrinter(_ cell: ResultCell) {
        let line = ResultPrinter.csvLine([cell]).utf8
        out.append(contentsOf: line.dropLast(2))
    }

    static func csvNeedsQuotes(_ b: UInt8) -> Bool {
        b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")
    }

    private mutating func jsonRow(_ stmt: OpaquePointer, columnCount n: Int32) {
        for i in 0..<n {
            if Int(i) < jsonKeys.count { out.append(contentsOf: jsonKeys[Int(i)]) } else { out.append(UInt8(ascii: ",")) }
            switch sqlite3_column_type(stmt, i) {
            case SQLITE_INTEGER: appendInt(sqlite3_column_int64(stmt, i))
            case SQLITE_NULL: out.append(contentsOf: Self.null)
            case SQLITE_TEXT:
                let text = textBytes(stmt, i)
                if text.contains(where: { $0 >= 0x80 }) {
                    out.append(contentsOf: JSONText.quote(String(decoding: text, as: UTF8.self)).utf8)
                } else {
                    appendJSONString(ascii: text)
                }
            default: out.append(contentsOf: SQLStatement.cell(stmt, i).json.rendered.utf8)
            }
        }
        if n == 0 { out.append(UInt8(ascii: "{")) }
        out.append(UInt8(ascii: "}"))
        out.append(UInt8(ascii: "\n"))
    }

    static let null = Array("null".utf8)
    static let hex = Array("0123456789abcdef".utf8)

    /// `JSONText.quote` of ASCII text: quote, backslash, \n \t \r escaped, other control
    /// characters as \u00XX.
    private mutating func appendJSONString(ascii text: UnsafeBufferPointer<UInt8>) {
        out.append(UInt8(ascii: "\""))
        for b in text {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(b)
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(Self.hex[Int(b >> 4)])
                out.append(Self.hex[Int(b & 0xf)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// SQLite's TEXT value of column i, its UTF-8 bytes (valid until the next step).
    /// sqlite3_column_blob, not _text: the bytes as they are, where _text first reallocates
    /// the value to add a NUL terminator (a virtual table's text has none), a malloc and a
    /// free per text cell. The database is UTF-8, so the bytes are the text's.
    private func textBytes(_ stmt: OpaquePointer, _ i: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let p = sqlite3_column_blob(stmt, i) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: Int(sqlite3_column_bytes(stmt, i)))
    }

    /// `String(v)`'s digits, written from the end of a small stack buffer.
    private mutating func appendInt(_ v: Int64) {
        var magnitude = v.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var at = 20
            repeat {
                at -= 1
                digits[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if v < 0 { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[at..<20]))
        }
    }

    /// The buffer to the file, all of it (write(2) may take part of it).
    mutating func flush() throws {
        var done = 0
        try out.withUnsafeBytes { bytes in
            while done < bytes.count {
                let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SQLError(.runtime, "\(path): \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
        out.removeAll(keepingCapacity: true)
    }
}
