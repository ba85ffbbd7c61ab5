import CSQLite

/// The one SQLite virtual table module, "trc", behind every recorded table and derived view.
/// `CREATE VIRTUAL TABLE temp.t USING trc(key)` connects the table registered under `key`; the
/// C callbacks below only find the Swift object and forward to it.
final class TableRegistry {
    var tables: [String: VirtualTable] = [:]
}

private final class TableBox {
    let table: VirtualTable
    init(_ t: VirtualTable) { table = t }
}

private final class CursorBox {
    let cursor: VirtualCursor
    init(_ c: VirtualCursor) { cursor = c }
}

enum RecordingModule {
    static let name = "trc"

    /// The module is a C struct SQLite keeps a pointer to for the connection's life: allocated
    /// once, never freed, never written after set-up.
    nonisolated(unsafe) static let module: UnsafeMutablePointer<sqlite3_module> = {
        let m = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
        m.initialize(to: sqlite3_module())
        m.pointee.iVersion = 1
        m.pointee.xCreate = connect
        m.pointee.xConnect = connect
        m.pointee.xBestIndex = { vtab, info in
            guard let vtab, let info else { return SQLITE_ERROR }
            return table(vtab).bestIndex(info)
        }
        m.pointee.xDisconnect = disconnect
        m.pointee.xDestroy = disconnect
        m.pointee.xOpen = { vtab, out in
            guard let vtab, let out else { return SQLITE_ERROR }
            let c = UnsafeMutablePointer<trc_cursor>.allocate(capacity: 1)
            c.initialize(to: trc_cursor())
            c.pointee.owner = UnsafeMutableRawPointer(Unmanaged.passRetained(CursorBox(table(vtab).openCursor())).toOpaque())
            out.pointee = UnsafeMutableRawPointer(c).assumingMemoryBound(to: sqlite3_vtab_cursor.self)
            return SQLITE_OK
        }
        m.pointee.xClose = { cur in
            guard let cur else { return SQLITE_OK }
            let c = UnsafeMutableRawPointer(cur).assumingMemoryBound(to: trc_cursor.self)
            Unmanaged<CursorBox>.fromOpaque(c.pointee.owner).release()
            c.deinitialize(count: 1)
            c.deallocate()
            return SQLITE_OK
        }
        m.pointee.xFilter = { cur, idxNum, idxStr, argc, argv in
            guard let cur else { return SQLITE_ERROR }
            let args = (0..<Int(argc)).map { argv![$0] }
            return withCursor(cur) { c in guarded(cur) { try c.filter(plan: idxNum, planText: idxStr.map { String(cString: $0) }, arguments: args) } }
        }
        m.pointee.xNext = { cur in
            guard let cur else { return SQLITE_ERROR }
            return withCursor(cur) { c in guarded(cur) { try c.next() } }
        }
        m.pointee.xEof = { cur in
            guard let cur else { return 1 }
            return withCursor(cur) { $0.eof ? 1 : 0 }
        }
        m.pointee.xColumn = { cur, ctx, i in
            guard let cur, let ctx else { return SQLITE_ERROR }
            return withCursor(cur) { c in
                c.column(i, ctx)
                return SQLITE_OK
            }
        }
        m.pointee.xRowid = { cur, out in
            guard let cur, let out else { return SQLITE_ERROR }
            return withCursor(cur) { c in
                out.pointee = c.rowid
                return SQLITE_OK
            }
        }
        return m
    }()

    private static let connect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?,
                                                UnsafeMutablePointer<UnsafeMutablePointer<sqlite3_vtab>?>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 = { db, aux, argc, argv, out, err in
        guard let db, let aux, let argv, let out, argc >= 4, let arg = argv[3] else { return SQLITE_ERROR }
        let registry = Unmanaged<TableRegistry>.fromOpaque(aux).takeUnretainedValue()
        // The argument is the table's name as an SQL string literal, quotes and all.
        var key = String(cString: arg)
        if key.count >= 2, key.hasPrefix("'"), key.hasSuffix("'") { key = String(key.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'") }
        guard let t = registry.tables[key] else {
            err?.pointee = trc_strdup("no recorded table \(key)")
            return SQLITE_ERROR
        }
        let rc = sqlite3_declare_vtab(db, t.declaration)
        guard rc == SQLITE_OK else { return rc }
        let v = UnsafeMutablePointer<trc_vtab>.allocate(capacity: 1)
        v.initialize(to: trc_vtab())
        v.pointee.owner = UnsafeMutableRawPointer(Unmanaged.passRetained(TableBox(t)).toOpaque())
        out.pointee = UnsafeMutableRawPointer(v).assumingMemoryBound(to: sqlite3_vtab.self)
        return SQLITE_OK
    }

    private static let disconnect: @convention(c) (UnsafeMutablePointer<sqlite3_vtab>?) -> Int32 = { vtab in
        guard let vtab else { return SQLITE_OK }
        let v = UnsafeMutableRawPointer(vtab).assumingMemoryBound(to: trc_vtab.self)
        Unmanaged<TableBox>.fromOpaque(v.pointee.owner).release()
        v.deinitialize(count: 1)
        v.deallocate()
        return SQLITE_OK
    }

    private static func table(_ vtab: UnsafeMutablePointer<sqlite3_vtab>) -> VirtualTable {
        let v = UnsafeMutableRawPointer(vtab).assumingMemoryBound(to: trc_vtab.self)
        return Unmanaged<TableBox>.fromOpaque(v.pointee.owner).takeUnretainedValue().table
    }

    /// Calls `body` with the cursor, borrowed: SQLite calls xNext, xEof and xColumn for every
    /// row, and taking a strong reference each time (retain + release) was 38% of a scan's time.
    private static func withCursor<R>(_ cur: UnsafeMutablePointer<sqlite3_vtab_cursor>, _ body: (VirtualCursor) -> R) -> R {
        let c = UnsafeMutableRawPointer(cur).assumingMemoryBound(to: trc_cursor.self)
        return Unmanaged<CursorBox>.fromOpaque(c.pointee.owner)._withUnsafeGuaranteedRef { body($0.cursor) }
    }

    /// Runs a cursor step; an error becomes the table's message (SQLite shows it for the query).
    private static func guarded(_ cur: UnsafeMutablePointer<sqlite3_vtab_cursor>, _ body: () throws -> Void) -> Int32 {
        do {
            try body()
            return SQLITE_OK
        } catch {
            if let vtab = cur.pointee.pVtab {
                sqlite3_free(vtab.pointee.zErrMsg)
                vtab.pointee.zErrMsg = trc_strdup("\(error)")
            }
            return SQLITE_ERROR
        }
    }

    /// Registers the module on a connection; `registry` must outlive it.
    static func register(on db: OpaquePointer, registry: TableRegistry) throws {
        let rc = sqlite3_create_module_v2(db, name, module, Unmanaged.passUnretained(registry).toOpaque(), nil)
        guard rc == SQLITE_OK else { throw SQLError(.runtime, "cannot register the trc module: \(String(cString: sqlite3_errstr(rc)))") }
    }
}
