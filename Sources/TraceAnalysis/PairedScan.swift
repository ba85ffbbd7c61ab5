import Foundation
import TraceFormat

/// The start/finish pairing every latency tool does (a wakeup and the switch-in, a block issue and
/// its completion, a switch-in and the switch-out), run on all cores with the result of a
/// single pass in time order.
///
/// A tool declares, per row, the operations the row makes on a map of start stamps keyed by an
/// integer (`PairOps`: set, set-if-absent, take, peek) and folds each match into a partial
/// result. The rows are cut into time ranges; each worker pairs its range from an empty map,
/// and an operation whose outcome depends on the map before the range (a take of a key the range
/// never set) is logged instead. A sequential merge then replays the logs range by range, in
/// time order, against the map as it stands at the range's start, and takes each range's final
/// map. Every match is therefore the one a sequential scan makes; only the order in which
/// matches reach `matched` differs, so folds that keep "the first" of something compare
/// `PairRow.order`.

/// The operations one row makes on the stamp map, in order.
public struct PairOps: Sendable {
    public enum Kind: UInt8, Sendable { case set, setIfAbsent, take, peek, takeUnlessWithin }
    public struct Op: Sendable {
        public var kind: Kind
        public var label: UInt8
        public var key: Int64
        public var value: Int64
    }
    // A row makes at most a few operations: four inline slots, then an array.
    var o0 = Op(kind: .set, label: 0, key: 0, value: 0), o1 = Op(kind: .set, label: 0, key: 0, value: 0)
    var o2 = Op(kind: .set, label: 0, key: 0, value: 0), o3 = Op(kind: .set, label: 0, key: 0, value: 0)
    var more: [Op] = []
    public internal(set) var count = 0

    init() {}

    @inline(__always) mutating func add(_ op: Op) {
        switch count {
        case 0: o0 = op
        case 1: o1 = op
        case 2: o2 = op
        case 3: o3 = op
        default:
            if count == 4 { more.removeAll(keepingCapacity: true) }
            more.append(op)
        }
        count += 1
    }

    /// Operation `i` (`0..<count`).
    @inline(__always) public func op(_ i: Int) -> Op {
        switch i {
        case 0: return o0
        case 1: return o1
        case 2: return o2
        case 3: return o3
        default: return more[i - 4]
        }
    }

    /// Stamps `key` with `value` (a new start replaces an open one).
    @inline(__always) public mutating func set(_ key: Int64, _ value: Int64) { add(Op(kind: .set, label: 0, key: key, value: value)) }
    /// Stamps `key` only when no stamp is open for it (first start wins).
    @inline(__always) public mutating func setIfAbsent(_ key: Int64, _ value: Int64) { add(Op(kind: .setIfAbsent, label: 0, key: key, value: value)) }
    /// Consumes the open stamp of `key`: a match (with `label`) when there is one.
    @inline(__always) public mutating func take(_ key: Int64, label: UInt8 = 0) { add(Op(kind: .take, label: label, key: key, value: 0)) }
    /// Reads the open stamp of `key` without consuming it: a match when there is one.
    @inline(__always) public mutating func peek(_ key: Int64, label: UInt8 = 0) { add(Op(kind: .peek, label: label, key: key, value: 0)) }
    /// A match with the open stamp of `key`, consumed only when it is more than `micros` whole
    /// microseconds old: libbpf-tools runqslower returns before deleting a stamp whose wait
    /// was under its threshold, so a later switch-in without a new enqueue measures from it.
    @inline(__always) public mutating func takeUnlessWithin(_ key: Int64, micros: Int64, label: UInt8 = 0) {
        add(Op(kind: .takeUnlessWithin, label: label, key: key, value: micros))
    }
}

/// A stamp found by a take or peek.
public struct PairMatch: Sendable {
    public let label: UInt8
    public let start: Int64
}

/// One row of a paired scan: its source (index in the scan's list), timestamp and columns.
public struct PairRow {
    public let source: Int
    public let ts: Int64
    /// The row's place among rows of equal `ts` (source, then file order): (ts, order) is the
    /// order of a sequential merged scan.
    public let order: UInt64
    /// The row's first column; column i is `columnStride * i` further.
    let values: UnsafePointer<Int64>
    let columnStride: Int
    unowned(unsafe) let strings: PairStrings

    /// Integer column `i` of the source's column list.
    @inline(__always) public func int(_ i: Int) -> Int64 { values[i &* columnStride] }
    /// String column `i` of the source's column list.
    public func string(_ i: Int) -> String { strings.string(order: order, column: i) }
    /// True when this row comes before `other` in time order.
    @inline(__always) public func precedes(ts otherTs: Int64, order otherOrder: UInt64) -> Bool {
        ts != otherTs ? ts < otherTs : order < otherOrder
    }
}

/// The batches of one round by id: their integer columns (for `PairRow.int`) and strings.
final class PairStrings: @unchecked Sendable {
    // @unchecked: immutable after init.
    /// Batches by id - base (holes for batches already released).
    let batches: [Batch?]
    let blocks: [IntColumns?]
    let base: Int
    init(_ live: [RoundBatch]) {
        let base = live.first?.id ?? 0
        self.base = base
        var dense: [Batch?] = Array(repeating: nil, count: (live.last.map { $0.id - base + 1 }) ?? 0)
        var blocks: [IntColumns?] = Array(repeating: nil, count: dense.count)
        for b in live {
            dense[b.id - base] = b.batch
            blocks[b.id - base] = b.block
        }
        batches = dense
        self.blocks = blocks
    }

    /// Where the rows of each batch (by id - base) start, and their column stride.
    func pointers() -> [(UnsafePointer<Int64>, Int)] {
        blocks.map { b in b.map { (UnsafePointer($0.base), $0.rows) } ?? (UnsafePointer(IntColumns.empty.base), 0) }
    }
    func string(order: UInt64, column: Int) -> String {
        let b = Int((order >> PairTag.batchShift) & PairTag.batchMask) - base
        let row = Int(order & PairTag.rowMask)
        return batches[b]!.orderedBlobs[column].string(row)
    }
}

/// A batch's integer columns in one column-major allocation (column i at `base + i * rows`), so
/// that the pairing loop reads a row without touching Swift arrays (and their reference counts).
final class IntColumns: @unchecked Sendable {
    // @unchecked: written once in init, read-only after.
    let base: UnsafeMutablePointer<Int64>
    let rows: Int
    init(_ batch: Batch) {
        rows = batch.count
        let columns = batch.ordered
        base = .allocate(capacity: max(1, rows * max(1, columns.count)))
        for (i, col) in columns.enumerated() {
            let dst = base + i * rows
            if col.count == rows {
                col.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: rows) }
            } else {
                dst.update(repeating: 0, count: rows)
            }
        }
    }
    private init() {
        rows = 0
        base = .allocate(capacity: 1)
        base.initialize(to: 0)
    }
    static let empty = IntColumns()
    deinit { base.deallocate() }
}

enum PairTag {
    static let sourceShift: UInt64 = 56
    static let batchShift: UInt64 = 28
    static let batchMask: UInt64 = (1 << 28) - 1
    static let rowMask: UInt64 = (1 << 28) - 1
    static func make(source: Int, batch: Int, row: Int) -> UInt64 {
        UInt64(source) << sourceShift | (UInt64(batch) & batchMask) << batchShift | UInt64(row)
    }
}

/// Int64 → stamp map with three states per key (stamped, known empty, unknown-but-touched),
/// open addressing, no deletion (a consumed stamp becomes "empty"). Faster than a Dictionary
/// (no SipHash, one probe per operation through `claim`) and it keeps "known empty" apart from
/// "never touched", which the edge logic needs. Single owner: not copied once mutated.
struct StampTable: Sendable {
    enum State: UInt8 { case none = 0, stamped, empty, deferred }
    /// Slot states: 0 free; 1...3 a State; 4 claimed, untouched (reads as `.none`).
    static let claimed: UInt8 = 4

    final class Storage: @unchecked Sendable {
        // @unchecked: owned by one StampTable, used by one thread at a time.
        let keys: UnsafeMutablePointer<Int64>
        let values: UnsafeMutablePointer<Int64>
        let states: UnsafeMutablePointer<UInt8>
        let capacity: Int
        init(capacity: Int) {
            self.capacity = capacity
            keys = .allocate(capacity: capacity)
            values = .allocate(capacity: capacity)
            states = .allocate(capacity: capacity)
            states.initialize(repeating: 0, count: capacity)
        }
        deinit {
            keys.deallocate()
            values.deallocate()
            states.deallocate()
        }
    }

    private var storage: Storage
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        var c = 16
        while c < capacity * 2 { c <<= 1 }
        storage = Storage(capacity: c)
        mask = c - 1
    }

    @inline(__always) private func probe(_ key: Int64) -> Int {
        let st = storage
        var i = Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
        while st.states[i] != 0 && st.keys[i] != key { i = (i + 1) & mask }
        return i
    }

    /// The slot of `key`, inserted (untouched) when absent.
    @inline(__always) mutating func claim(_ key: Int64) -> Int {
        var i = probe(key)
        if storage.states[i] == 0 {
            if (count + 1) * 2 > storage.capacity {
                grow()
                i = probe(key)
            }
            count += 1
            storage.keys[i] = key
            storage.states[i] = Self.claimed
        }
        return i
    }

    @inline(__always) func state(at i: Int) -> State {
        let raw = storage.states[i]
        return raw == Self.claimed ? .none : State(rawValue: raw)!
    }
    @inline(__always) func value(at i: Int) -> Int64 { storage.values[i] }
    @inline(__always) func set(at i: Int, _ state: State, _ value: Int64 = 0) {
        storage.states[i] = state == .none ? Self.claimed : state.rawValue
        storage.values[i] = value
    }

    @inline(__always) func get(_ key: Int64) -> (State, Int64) {
        let i = probe(key)
        let raw = storage.states[i]
        if raw == 0 || raw == Self.claimed { return (.none, 0) }
        return (State(rawValue: raw)!, storage.values[i])
    }

    @inline(__always) mutating func put(_ key: Int64, _ state: State, _ value: Int64 = 0) {
        // Claim first: it may grow the table, and `set` must see the new storage.
        let i = claim(key)
        set(at: i, state, value)
    }

    private mutating func grow() {
        let old = storage
        storage = Storage(capacity: old.capacity * 2)
        mask = storage.capacity - 1
        count = 0
        for i in 0..<old.capacity where old.states[i] != 0 {
            let j = probe(old.keys[i])
            storage.keys[j] = old.keys[i]
            storage.values[j] = old.values[i]
            storage.states[j] = old.states[i]
            count += 1
        }
    }

    /// Every touched key with its state, in slot order.
    func forEach(_ body: (Int64, State, Int64) -> Void) {
        let st = storage
        for i in 0..<st.capacity where st.states[i] != 0 {
            body(st.keys[i], state(at: i), st.values[i])
        }
    }
}

extension Recording {
    /// Pairs stamps across the rows of `sources` in time order (ties: source order, then file
    /// order, as `scanMerged`), on all cores. `ops` declares what each row does to the stamp map
    /// (it must depend on the row alone); `matched` folds a match into a partial, `merge` joins
    /// partials. Memory is bounded by the chunks that overlap in time, as for `scanMerged`.
    public func scanPaired<Partial: Sendable>(
        _ sources: [ScanSource], filter: ScanFilter = .none,
        initial: @escaping @Sendable () -> Partial,
        ops: @escaping @Sendable (PairRow, inout PairOps) -> Void,
        matched: @escaping @Sendable (inout Partial, PairRow, PairMatch) -> Void,
        merge: (inout Partial, Partial) -> Void
    ) throws -> Partial {
        try scanPaired(sources, filter: filter, ranges: ProcessInfo.processInfo.activeProcessorCount, minimumSamples: 256, sampleStride: 16,
                       initial: initial, ops: ops, matched: matched, merge: merge)
    }

    /// `scanPaired` with its range cutting exposed (tests force many small ranges): up to
    /// `ranges` ranges per round, cut from every `sampleStride`-th timestamp, when at least
    /// `minimumSamples` were sampled.
    func scanPaired<Partial: Sendable>(
        _ sources: [ScanSource], filter: ScanFilter, ranges workers: Int, minimumSamples: Int, sampleStride: Int,
        initial: @escaping @Sendable () -> Partial,
        ops: @escaping @Sendable (PairRow, inout PairOps) -> Void,
        matched: @escaping @Sendable (inout Partial, PairRow, PairMatch) -> Void,
        merge: (inout Partial, Partial) -> Void
    ) throws -> Partial {
        let planned = chunksInTimeOrder(sources, filter: filter)

        var result = initial()
        var global = StampTable()
        var live: [RoundBatch] = []
        var nextID = 0
        try inChunkGroups(planned, { p in
            let s = sources[p.source]
            let b = try self.decode(p.chunk, table: s.table, columns: s.columns, filter: s.history ? .none : filter, window: self.windowFor(s))
            return (b, IntColumns(b))
        }) { group, next in
            for (p, (b, block)) in group where b.count > 0 {
                let ts = b.ints("ts")
                live.append(RoundBatch(batch: b, block: block, id: nextID, source: p.source, ts: ts, from: Int64.min, maxTs: ts.max() ?? Int64.min))
                nextID += 1
            }
            let last = next == nil
            let watermark = next?.chunk.summary.minTime ?? Int64.max

            // Cut [previous watermark, watermark) into ranges of about equal row counts.
            var samples: [Int64] = []
            for b in live {
                var r = 0
                while r < b.ts.count {
                    let t = b.ts[r]
                    if t >= b.from && (last || t < watermark) { samples.append(t) }
                    r += max(1, sampleStride)
                }
            }
            var cuts: [Int64] = []
            if workers > 1 && samples.count >= max(1, minimumSamples) {
                samples.sort()
                for w in 1..<workers {
                    let c = samples[samples.count * w / workers]
                    if c > (cuts.last ?? Int64.min) && c > samples[0] { cuts.append(c) }
                }
            }
            let ranges = cuts.count + 1
            let rangeCuts = cuts
            let batches = live
            let strings = PairStrings(batches)
            let segments = ParallelResults<PairSegment<Partial>>(count: ranges)
            DispatchQueue.concurrentPerform(iterations: ranges) { j in
                let lo = j == 0 ? Int64.min : rangeCuts[j - 1]
                let hi: Int64? = j == ranges - 1 ? (last ? nil : watermark) : rangeCuts[j]
                segments.set(j, .success(PairSegment.run(batches: batches, lo: lo, hi: hi, strings: strings,
                                                          initial: initial, ops: ops, matched: matched)))
            }
            for r in segments.values {
                guard case .success(let seg)? = r else { throw AnalysisError("internal: range not paired") }
                merge(&result, seg.partial)
                seg.replay(into: &global, result: &result, strings: strings, matched: matched)
            }
            // Rows below the watermark are done; batches with none left go.
            live = live.compactMap { b in
                guard !last, b.maxTs >= watermark else { return nil }
                var b = b
                b.from = watermark
                return b
            }
        }
        return result
    }
}

/// A chunk to read, and which of the scan's sources it belongs to.
struct PlannedChunk: Sendable { var chunk: ChunkInfo; var source: Int }
struct PairSortKey { var ts: Int64; var tag: UInt64 }

struct RoundBatch: Sendable {
    var batch: Batch
    var block: IntColumns
    var id: Int
    var source: Int
    var ts: [Int64]
    /// Rows before this time were paired in an earlier round.
    var from: Int64
    var maxTs: Int64
}

/// One time range paired from an empty map: its partial, the operations that depend on the map
/// before it (in time order), and the map it leaves.
struct PairSegment<Partial: Sendable>: Sendable {
    struct Deferred: Sendable {
        var op: PairOps.Op
        var ts: Int64
        var tag: UInt64
    }
    var partial: Partial
    var log: [Deferred]
    var final: StampTable

    @inline(__always) static func row(_ ts: Int64, _ tag: UInt64, _ pointers: UnsafeBufferPointer<(UnsafePointer<Int64>, Int)>,
                                      _ base: Int, _ strings: PairStrings) -> PairRow {
        let (p, rows) = pointers[Int((tag >> PairTag.batchShift) & PairTag.batchMask) - base]
        return PairRow(source: Int(tag >> PairTag.sourceShift), ts: ts, order: tag, values: p + Int(tag & PairTag.rowMask),
                       columnStride: rows, strings: strings)
    }

    static func run(batches: [RoundBatch], lo: Int64, hi: Int64?, strings: PairStrings,
                    initial: @Sendable () -> Partial,
                    ops opsFn: @Sendable (PairRow, inout PairOps) -> Void,
                    matched: @Sendable (inout Partial, PairRow, PairMatch) -> Void) -> PairSegment {
        // The range's rows, sorted by (ts, source, batch, row).
        var keys: [PairSortKey] = []
        keys.reserveCapacity(batches.reduce(0) { $0 + $1.ts.count })
        for b in batches {
            let from = max(lo, b.from)
            let source = b.source, id = b.id
            b.ts.withUnsafeBufferPointer { ts in
                for r in 0..<ts.count {
                    let t = ts[r]
                    if t >= from, hi == nil || t < hi! { keys.append(PairSortKey(ts: t, tag: PairTag.make(source: source, batch: id, row: r))) }
                }
            }
        }
        keys.sort { $0.ts != $1.ts ? $0.ts < $1.ts : $0.tag < $1.tag }
        var partial = initial()
        var table = StampTable()
        var log: [Deferred] = []
        var ops = PairOps()
        let pointers = strings.pointers()
        let base = strings.base
        pointers.withUnsafeBufferPointer { pointers in
            for key in keys {
                let row = Self.row(key.ts, key.tag, pointers, base, strings)
                ops.count = 0
                opsFn(row, &ops)
                for j in 0..<ops.count {
                    let op = ops.op(j)
                    let at = table.claim(op.key)
                    switch op.kind {
                    case .set:
                        table.set(at: at, .stamped, op.value)
                    case .setIfAbsent:
                        switch table.state(at: at) {
                        case .stamped: break
                        case .empty: table.set(at: at, .stamped, op.value)
                        case .none, .deferred:
                            log.append(Deferred(op: op, ts: key.ts, tag: key.tag))
                            table.set(at: at, .deferred)
                        }
                    case .take:
                        switch table.state(at: at) {
                        case .stamped:
                            let v = table.value(at: at)
                            table.set(at: at, .empty)
                            matched(&partial, row, PairMatch(label: op.label, start: v))
                        case .empty: break
                        case .none, .deferred:
                            log.append(Deferred(op: op, ts: key.ts, tag: key.tag))
                            table.set(at: at, .empty)
                        }
                    case .peek:
                        switch table.state(at: at) {
                        case .stamped: matched(&partial, row, PairMatch(label: op.label, start: table.value(at: at)))
                        case .empty: break
                        case .none, .deferred: log.append(Deferred(op: op, ts: key.ts, tag: key.tag))
                        }
                    case .takeUnlessWithin:
                        switch table.state(at: at) {
                        case .stamped:
                            let v = table.value(at: at)
                            if (key.ts &- v) / 1000 > op.value { table.set(at: at, .empty) }
                            matched(&partial, row, PairMatch(label: op.label, start: v))
                        case .empty: break
                        case .none, .deferred:
                            // Whether the stamp stays depends on one this range has not seen.
                            log.append(Deferred(op: op, ts: key.ts, tag: key.tag))
                            table.set(at: at, .deferred)
                        }
                    }
                }
            }
        }
        return PairSegment(partial: partial, log: log, final: table)
    }

    /// Applies the range to the map as it stood at the range's start (`global`): the logged
    /// operations in order, then the range's final stamps.
    func replay(into global: inout StampTable, result: inout Partial, strings: PairStrings,
                matched: (inout Partial, PairRow, PairMatch) -> Void) {
        let pointers = strings.pointers()
        let base = strings.base
        pointers.withUnsafeBufferPointer { pointers in
            for d in log {
                let (state, v) = global.get(d.op.key)
                let stamped = state == .stamped
                switch d.op.kind {
                case .set: global.put(d.op.key, .stamped, d.op.value)
                case .setIfAbsent: if !stamped { global.put(d.op.key, .stamped, d.op.value) }
                case .take, .peek, .takeUnlessWithin:
                    guard stamped else { continue }
                    if d.op.kind == .take || (d.op.kind == .takeUnlessWithin && (d.ts &- v) / 1000 > d.op.value) { global.put(d.op.key, .empty) }
                    matched(&result, Self.row(d.ts, d.tag, pointers, base, strings), PairMatch(label: d.op.label, start: v))
                }
            }
        }
        final.forEach { key, state, value in
            switch state {
            case .stamped: global.put(key, .stamped, value)
            case .empty: global.put(key, .empty)
            case .none, .deferred: break
            }
        }
    }
}
