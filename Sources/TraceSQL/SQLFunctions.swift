import CSQLite

/// Scalar functions for recorded values.
enum SQLFunctions {
    static func register(on db: OpaquePointer) throws {
        // u64(x): a 64-bit integer literal (SQL reads 0xffff888100000000 as a negative
        // INTEGER, two's complement) in the form u64 columns hold above 2^63, so that
        // `rq = u64(0xffff888100000000)` compares as meant. Non-negative integers and text
        // come back unchanged.
        let rc = sqlite3_create_function_v2(db, "u64", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil, { ctx, argc, argv in
            guard let ctx, let argv, let v = argv[0] else { return }
            if sqlite3_value_type(v) == SQLITE_INTEGER {
                let n = sqlite3_value_int64(v)
                if n >= 0 { sqlite3_result_int64(ctx, n); return }
                var s = U64Text.text(UInt64(bitPattern: n))
                s.withUTF8 { b in b.withMemoryRebound(to: CChar.self) { trc_result_text(ctx, $0.baseAddress, Int32($0.count)) } }
                return
            }
            sqlite3_result_value(ctx, v)
        }, nil, nil, nil)
        guard rc == SQLITE_OK else { throw SQLError(.runtime, "cannot register u64(): \(String(cString: sqlite3_errstr(rc)))") }
        try PercentileAggregate.register(on: db)
    }
}

/// `percentile(x, p)`: the p-th percentile (0 ≤ p ≤ 100) of the non-NULL x of a group,
/// interpolated between the two nearest ranks, as SQLite's own ext/misc/percentile.c defines it
/// (Debian's libsqlite3 does not build that extension in). The values are held in memory from
/// sqlite3_realloc, so a group too large for --max-memory is SQLite's out-of-memory error, not
/// the OOM killer. A sort of 16 M values takes ~2 s; ORDER BY … LIMIT 1 OFFSET n ten times that.
enum PercentileAggregate {
    struct State {
        var values: UnsafeMutablePointer<Double>?
        var count: Int
        var capacity: Int
        var p: Double
        var bad: Int32
    }

    static func register(on db: OpaquePointer) throws {
        let rc = sqlite3_create_function_v2(db, "percentile", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil, nil, { ctx, argc, argv in
            guard let ctx, let argv, let x = argv[0], let pv = argv[1] else { return }
            guard let raw = sqlite3_aggregate_context(ctx, Int32(MemoryLayout<State>.size)) else { sqlite3_result_error_nomem(ctx); return }
            let st = raw.assumingMemoryBound(to: State.self)
            let ptype = sqlite3_value_numeric_type(pv)
            let p = sqlite3_value_double(pv)
            guard ptype == SQLITE_INTEGER || ptype == SQLITE_FLOAT, p >= 0, p <= 100 else { st.pointee.bad = 1; return }
            if st.pointee.count > 0 && st.pointee.p != p { st.pointee.bad = 2; return }
            st.pointee.p = p
            let t = sqlite3_value_numeric_type(x)
            guard t == SQLITE_INTEGER || t == SQLITE_FLOAT else { return }
            if st.pointee.count == st.pointee.capacity {
                let cap = max(1024, st.pointee.capacity * 2)
                guard let grown = sqlite3_realloc64(st.pointee.values, UInt64(cap * MemoryLayout<Double>.size)) else {
                    sqlite3_result_error_nomem(ctx)
                    return
                }
                st.pointee.values = grown.assumingMemoryBound(to: Double.self)
                st.pointee.capacity = cap
            }
            st.pointee.values![st.pointee.count] = sqlite3_value_double(x)
            st.pointee.count += 1
        }, { ctx in
            guard let ctx, let raw = sqlite3_aggregate_context(ctx, 0) else { return }
            let st = raw.assumingMemoryBound(to: State.self)
            defer { sqlite3_free(st.pointee.values); st.pointee.values = nil }
            if st.pointee.bad == 1 { sqlite3_result_error(ctx, "percentile(x, p): p must be a number from 0 to 100", -1); return }
            if st.pointee.bad == 2 { sqlite3_result_error(ctx, "percentile(x, p): p must be the same for every row of a group", -1); return }
            let n = st.pointee.count
            guard n > 0, let v = st.pointee.values else { sqlite3_result_null(ctx); return }
            var buf = UnsafeMutableBufferPointer(start: v, count: n)
            buf.sort()
            let ix = Double(n - 1) * st.pointee.p / 100
            let lo = Int(ix.rounded(.down)), hi = min(lo + 1, n - 1)
            let r = buf[lo] + (buf[hi] - buf[lo]) * (ix - Double(lo))
            sqlite3_result_double(ctx, r)
        }, nil)
        guard rc == SQLITE_OK else { throw SQLError(.runtime, "cannot register percentile(): \(String(cString: sqlite3_errstr(rc)))") }
    }
}
