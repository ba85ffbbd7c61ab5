import TraceFormat

/// Names user-space addresses offline: the recording's `process_maps` rows give, per process,
/// which file (by build-id) is mapped where, and its `elf_symbols/<build-id>` metadata gives that
/// file's executable segments and function symbols (format in the recorder's ElfSymbols.swift).
///
/// A process's maps are read when it first shows up in a user stack and again after each exec
/// (which replaces them); an address is named with the maps read within the same exec
/// generation as the sample, never with another program's.
public struct UserSymbols: Sendable {
    struct Mapping: Sendable {
        var start: UInt64, end: UInt64, offset: UInt64
        var buildID: String
    }

    /// One reading of a process's maps.
    struct Snapshot: Sendable {
        var ts: Int64
        var mappings: [Mapping]
    }

    struct Image: Sendable {
        var loads: [(offset: UInt64, vaddr: UInt64, size: UInt64)] = []
        /// Sorted by value.
        var symbols: [(value: UInt64, size: UInt64, name: String)] = []
    }

    /// By pid, in time order.
    var maps: [Int64: [Snapshot]] = [:]
    /// Successful execs by pid, in time order (empty without the proc family).
    var execs: [Int64: [Int64]] = [:]
    var images: [String: Image] = [:]

    /// Nil when the recording carries no process maps (no stacks family, or an older recorder).
    /// With `pids`, only those processes' maps are kept and only the symbol tables they map are
    /// parsed (a system-wide recording holds dozens; parsing them all costs seconds).
    public static func load(_ rec: Recording, pids: Set<Int64>? = nil) throws -> UserSymbols? {
        guard rec.file.tableID(named: "process_maps") != nil else { return nil }
        var s = UserSymbols()
        try rec.scan("process_maps", columns: ["ts", "pid", "start", "end", "offset", "build_id"]) { b in
            let ts = b.ints("ts"), pid = b.ints("pid"), start = b.ints("start"), end = b.ints("end"), offset = b.ints("offset")
            let ids = b.blobs("build_id")
            for r in 0..<b.count where !ids[r].isEmpty && pids?.contains(pid[r]) != false {
                let m = Mapping(start: UInt64(bitPattern: start[r]), end: UInt64(bitPattern: end[r]),
                                offset: UInt64(bitPattern: offset[r]), buildID: hex(ids[r]))
                // Rows of one reading share its timestamp.
                if let last = s.maps[pid[r]]?.last, last.ts == ts[r] {
                    s.maps[pid[r]]![s.maps[pid[r]]!.count - 1].mappings.append(m)
                } else {
                    s.maps[pid[r], default: []].append(Snapshot(ts: ts[r], mappings: [m]))
                }
            }
        }
        for pid in s.maps.keys { s.maps[pid]!.sort { $0.ts < $1.ts } }
        if rec.file.tableID(named: "process_exec") != nil {
            try rec.scan("process_exec", columns: ["ts", "pid", "ret"]) { b in
                let ts = b.ints("ts"), pid = b.ints("pid"), ret = b.ints("ret")
                for r in 0..<b.count where ret[r] == 0 && s.maps[pid[r]] != nil { s.execs[pid[r], default: []].append(ts[r]) }
            }
            for pid in s.execs.keys { s.execs[pid]!.sort() }
        }
        let mapped = Set(s.maps.values.joined().flatMap { $0.mappings.map(\.buildID) })
        for name in rec.file.metadataNames where name.hasPrefix(MetadataName.elfSymbolsPrefix) {
            let buildID = String(name.dropFirst(MetadataName.elfSymbolsPrefix.count))
            guard mapped.contains(buildID), let bytes = try rec.file.metadata(named: name) else { continue }
            s.images[buildID] = parse(String(decoding: bytes, as: UTF8.self))
        }
        return s
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    static func parse(_ text: String) -> Image {
        var image = Image()
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", maxSplits: 3)
            if f.first == "load", f.count == 4, let o = UInt64(f[1], radix: 16), let v = UInt64(f[2], radix: 16), let n = UInt64(f[3], radix: 16) {
                image.loads.append((o, v, n))
            } else if f.first == "sym", f.count == 4, let v = UInt64(f[1], radix: 16), let n = UInt64(f[2], radix: 16) {
                image.symbols.append((v, n, String(f[3])))
            }
        }
        image.symbols.sort { $0.value < $1.value }
        return image
    }

    /// The maps of `pid` read in the exec generation that contains time `ts`: between the last
    /// exec at or before `ts` and the next one. Nil when none was read then.
    func snapshot(pid: Int64, at ts: Int64) -> Snapshot? {
        guard let snapshots = maps[pid] else { return nil }
        let execs = self.execs[pid] ?? []
        let from = execs.last(where: { $0 <= ts }) ?? .min
        let to = execs.first(where: { $0 > ts }) ?? .max
        return snapshots.first { $0.ts >= from && $0.ts < to }
    }

    /// The function containing `address` in process `pid` at time `ts` (a sample's), or nil
    /// (bcc prints `[unknown]`).
    public func name(pid: Int64, address: UInt64, at ts: Int64) -> String? {
        guard let m = snapshot(pid: pid, at: ts)?.mappings.first(where: { address >= $0.start && address < $0.end }),
              let image = images[m.buildID] else { return nil }
        let fileOffset = address - m.start + m.offset
        guard let seg = image.loads.first(where: { fileOffset >= $0.offset && fileOffset < $0.offset + $0.size }) else { return nil }
        let vaddr = fileOffset - seg.offset + seg.vaddr
        // Greatest symbol start not above vaddr, and vaddr inside it when its size is known.
        var lo = 0, hi = image.symbols.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if image.symbols[mid].value <= vaddr { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let sym = image.symbols[lo - 1]
        if sym.size > 0 && vaddr >= sym.value + sym.size { return nil }
        return sym.name
    }
}
