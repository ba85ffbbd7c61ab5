import CSQLite
import TraceAnalysis
import TraceFormat

/// One scan of a recorded table: the chunks the pushed constraints leave, decoded one at a time
/// (only the columns the query reads and the constrained ones), so memory is one chunk's
/// columns whatever the recording's size.
final class ChunkCursor: VirtualCursor {
    let table: ChunkTable
    private var prefetcher: ChunkPrefetcher?
    private var predicates: [ColumnPredicate] = []
    private var wanted: [Int] = []
    // The decoded chunk: per table column, its integers or strings (nil: not read, or the
    // recording lacks it: NULL).
    private var flat: FlatColumns?
    private var ints: [UnsafeMutableBufferPointer<Int64>?] = []
    private var strings: [FlatColumns.Strings?] = []
    private var source = 0
    private var rows: [Int] = []
    private var all = 0
    private var position = 0
    private var usesSelection = false
    private var serial: Int64 = 0
    private(set) var eof = true

    init(_ table: ChunkTable) { self.table = table }
    deinit { prefetcher?.cancel() }

    func filter(plan: Int32, planText: String?, arguments: [OpaquePointer?]) throws {
        guard let planText, let plan = ScanPlan(text: planText, names: table.columns.map(\.name)) else { throw SQLError(.runtime, "\(table.name): bad scan plan") }
        var preds: [Int: ColumnPredicate] = [:]
        var onlyHost: String?, onlyRecording: String?
        var nothing = false
        for (i, c) in plan.constraints.enumerated() where i < arguments.count {
            if c.column == table.hostColumn || c.column == table.recordingColumn {
                guard let v = arguments[i], sqlite3_value_type(v) == SQLITE_TEXT, let p = sqlite3_value_text(v) else { continue }
                let s = String(cString: p)
                if c.column == table.hostColumn { if onlyHost != nil && onlyHost != s { nothing = true }; onlyHost = s } else {
                    if onlyRecording != nil && onlyRecording != s { nothing = true }
                    onlyRecording = s
                }
                continue
            }
            var p = preds[c.column] ?? ColumnPredicate(column: c.column, unsigned64: table.columns[c.column].kind == .u64)
            p.apply(c.op, arguments[i])
            preds[c.column] = p
        }
        predicates = preds.values.filter(\.restricts).sorted { $0.column < $1.column }
        if predicates.contains(where: \.impossible) { nothing = true }
        wanted = (0..<table.hostColumn).filter { plan.uses($0) || preds[$0] != nil }
        var counters = table.board.tables[table.name] ?? ScanCounters()
        counters.scans += 1
        counters.columnsDecoded = wanted.count
        counters.columnsTotal = table.hostColumn
        var work: [ChunkPrefetcher.Work] = []
        for (si, s) in table.sources.enumerated() {
            let file = s.recording.recording.file
            let all = file.chunks(ofTable: table.name)
            let included = !nothing && (onlyHost.map { $0 == s.recording.host } ?? true) && (onlyRecording.map { $0 == s.recording.label } ?? true)
            // Predicate columns by this recording's column index.
            let names = wanted.compactMap { i in s.schema.columnIndex(table.columns[i].name).map { _ in (i, table.columns[i].name) } }
            let local = predicates.map { (p: $0, index: s.schema.columnIndex(table.columns[$0.column].name)) }
            for chunk in all {
                let keep = included && chunk.rowCount > 0 && local.allSatisfy { p, index in
                    // A column the recording lacks reads as NULL, which no comparison matches.
                    guard let index else { return false }
                    guard index < chunk.summary.stats.count else { return true }
                    return p.mayMatch(chunk.summary.stats[index])
                }
                guard keep else {
                    counters.chunksSkipped += 1
                    continue
                }
                // A chunk whose statistics lie inside a predicate's range needs no row check of it
                // (a ts range leaves whole chunks inside, and only the boundary chunk to filter).
                let checks = local.indices.filter { k in
                    guard let index = local[k].index, index < chunk.summary.stats.count else { return true }
                    return !local[k].p.coversAll(chunk.summary.stats[index])
                }
                work.append(ChunkPrefetcher.Work(source: si, chunk: chunk, file: file, columns: names, rowChecks: checks))
            }
        }
        table.board.tables[table.name] = counters
        prefetcher?.cancel()
        prefetcher = ChunkPrefetcher(work: work, columnCount: table.hostColumn, predicates: predicates)
        position = 0
        all = 0
        rows = []
        usesSelection = false
        eof = false
        try advanceChunk()
    }

    /// Takes decoded chunks until one has a row to return; eof when none is left.
    private func advanceChunk() throws {
        while let d = try prefetcher?.next() {
            flat = d.columns
            ints = d.columns.ints
            strings = d.columns.strings
            source = d.source
            all = d.rowCount
            usesSelection = d.selected != nil
            rows = d.selected ?? []
            let count = usesSelection ? rows.count : all
            var c = table.board.tables[table.name, default: ScanCounters()]
            c.chunksRead += 1
            c.rowsScanned += all
            c.rowsReturned += count
            table.board.tables[table.name] = c
            position = 0
            if count > 0 { return }
        }
        eof = true
        ints = []
        strings = []
        flat = nil
        prefetcher = nil
    }

    func next() throws {
        serial += 1
        position += 1
        if position >= (usesSelection ? rows.count : all) { try advanceChunk() }
    }

    var rowid: Int64 { serial }

    func column(_ index: Int32, _ context: OpaquePointer) {
        let i = Int(index)
        if i == table.hostColumn || i == table.recordingColumn {
            let s = table.sources[source].recording
            Self.text(i == table.hostColumn ? s.host : s.label, context)
            return
        }
        let r = usesSelection ? rows[position] : position
        if let v = ints[i] {
            let x = v[r]
            if x < 0 && table.isU64[i] {
                Self.text(U64Text.text(UInt64(bitPattern: x)), context)
            } else {
                sqlite3_result_int64(context, x)
            }
        } else if let st = strings[i] {
            let code = Int(st.codes[r])
            let from = st.offsets[code], n = st.offsets[code + 1] - from
            let p = UnsafeRawPointer(st.bytes.baseAddress! + from)
            if table.isText[i] {
                trc_result_text(context, p.assumingMemoryBound(to: CChar.self), Int32(n))
            } else {
                trc_result_blob(context, p, Int32(n))
            }
        } else {
            sqlite3_result_null(context)
        }
    }

    static func text(_ s: String, _ context: OpaquePointer) {
        var s = s
        s.withUTF8 { b in b.withMemoryRebound(to: CChar.self) { trc_result_text(context, $0.baseAddress, Int32($0.count)) } }
    }
}
