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
        /// The mapped file's name without its directory (bcc's `[libc.so.6]` module).
        var module: String
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
    /// Forks by child pid, in time order (a pid can be reused): (ts, parent pid). A child that
    /// has not exec'd runs its parent's program with its parent's maps, which is how a short-
    /// lived child gets named frames when it exits before its own maps are read.
    var forks: [Int64: [(ts: Int64, parent: Int64)]] = [:]
    var images: [String: Image] = [:]
    /// JIT code by pid, from `perf_map/<pid>` (perf's /tmp/perf-<pid>.map): names addresses
    /// that no file-backed mapping holds. Sorted by start; a range listed again (code the
    /// runtime replaced) keeps its last name.
    var perfMaps: [Int64: [(start: UInt64, size: UInt64, name: String)]] = [:]

    /// Nil when the recording carries no process maps (no stacks family, or an older recorder).
    /// With `pids`, only those processes' maps (and their fork ancestors', which a child that
    /// has not exec'd uses) are kept and only the symbol tables they map are parsed (a
    /// system-wide recording holds dozens; parsing them all costs seconds).
    public static func load(_ rec: Recording, pids: Set<Int64>? = nil) throws -> UserSymbols? {
        guard rec.file.tableID(named: "process_maps") != nil else { return nil }
        var s = UserSymbols()
        if rec.file.tableID(named: "process_fork") != nil {
            try rec.scanBatches(ProcessForkRow.self, reading: [\.pid, \.childPid]) { b in
                let ts = b[\ProcessForkRow.ts], pid = b[\ProcessForkRow.pid], child = b[\ProcessForkRow.childPid]
                for r in 0..<b.count where child[r] != pid[r] { s.forks[child[r], default: []].append((ts[r], pid[r])) }
            }
            for pid in s.forks.keys { s.forks[pid]!.sort { $0.ts < $1.ts } }
        }
        var wanted = pids
        if let pids {
            var todo = Array(pids)
            while let pid = todo.popLast() {
                for parent in s.forks[pid]?.map(\.parent) ?? [] where wanted!.insert(parent).inserted { todo.append(parent) }
            }
        }
        try rec.scanBatches(ProcessMapsRow.self, reading: [\.pid, \.start, \.end, \.offset, \.buildId, \.path]) { b in
            let ts = b[\ProcessMapsRow.ts], pid = b[\ProcessMapsRow.pid], start = b[\ProcessMapsRow.start], end = b[\ProcessMapsRow.end], offset = b[\ProcessMapsRow.offset]
            let ids = b[\ProcessMapsRow.buildId], paths = b[\ProcessMapsRow.path]
            for r in 0..<b.count where !ids[r].isEmpty && wanted?.contains(pid[r]) != false {
                let m = Mapping(start: UInt64(bitPattern: start[r]), end: UInt64(bitPattern: end[r]),
                                offset: UInt64(bitPattern: offset[r]), buildID: hex(ids[r]),
                                module: String(paths.string(r).split(separator: "/").last ?? ""))
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
            try rec.scanBatches(ProcessExecRow.self, reading: [\.pid, \.ret]) { b in
                let ts = b[\ProcessExecRow.ts], pid = b[\ProcessExecRow.pid], ret = b[\ProcessExecRow.ret]
                for r in 0..<b.count where ret[r] == 0 && wanted?.contains(pid[r]) != false { s.execs[pid[r], default: []].append(ts[r]) }
            }
            for pid in s.execs.keys { s.execs[pid]!.sort() }
        }
        for name in rec.file.metadataNames where name.hasPrefix(MetadataName.perfMapPrefix) {
            guard let pid = Int64(name.dropFirst(MetadataName.perfMapPrefix.count)), wanted?.contains(pid) != false,
                  let bytes = try rec.file.metadata(named: name) else { continue }
            s.perfMaps[pid] = parsePerfMap(bytes)
        }
        let mapped = Set(s.maps.values.joined().flatMap { $0.mappings.map(\.buildID) })
        for name in rec.file.metadataNames where name.hasPrefix(MetadataName.elfSymbolsPrefix) {
            let buildID = String(name.dropFirst(MetadataName.elfSymbolsPrefix.count))
            guard mapped.contains(buildID), let bytes = try rec.file.metadata(named: name) else { continue }
            s.images[buildID] = parse(bytes)
        }
        return s
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    /// Byte-level: a large binary's table has 100k+ `sym` lines, and every recording with user
    /// stacks carries a few of them.
    static func parse(_ bytes: [UInt8]) -> Image {
        var image = Image()
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            let n = b.count
            func hexField() -> UInt64? {
                var v: UInt64 = 0, digits = 0
                while i < n {
                    let c = b[i]
                    let d: UInt8
                    switch c {
                    case 0x30...0x39: d = c - 0x30
                    case 0x61...0x66: d = c - 0x57
                    case 0x41...0x46: d = c - 0x37
                    default: return digits > 0 && digits <= 16 ? v : nil
                    }
                    v = v << 4 | UInt64(d)
                    digits += 1
                    i += 1
                }
                return digits > 0 && digits <= 16 ? v : nil
            }
            func space() -> Bool {
                guard i < n, b[i] == 0x20 else { return false }
                i += 1
                return true
            }
            func restOfLine() -> Int {
                var j = i
                while j < n && b[j] != 0x0a { j += 1 }
                return j
            }
            while i < n {
                let lineEnd = restOfLine()
                defer { i = lineEnd + 1 }
                // "sym " and "load " are told apart by their first two bytes.
                if lineEnd - i > 4, b[i] == 0x73, b[i + 1] == 0x79, b[i + 2] == 0x6d, b[i + 3] == 0x20 {
                    i += 4
                    guard let v = hexField(), space(), let size = hexField(), space(), i < lineEnd else { continue }
                    let name = String(decoding: UnsafeBufferPointer(rebasing: b[i..<lineEnd]), as: UTF8.self)
                    image.symbols.append((v, size, name))
                } else if lineEnd - i > 5, b[i] == 0x6c, b[i + 1] == 0x6f, b[i + 2] == 0x61, b[i + 3] == 0x64, b[i + 4] == 0x20 {
                    i += 5
                    guard let o = hexField(), space(), let v = hexField(), space(), let size = hexField() else { continue }
                    image.loads.append((o, v, size))
                }
            }
        }
        image.symbols.sort { $0.value < $1.value }
        return image
    }

    /// perf's map lines, `START SIZE name` (hex, `0x` accepted; the name may hold spaces).
    /// Lines that do not parse are skipped, as perf skips them.
    static func parsePerfMap(_ bytes: [UInt8]) -> [(start: UInt64, size: UInt64, name: String)] {
        var byStart: [UInt64: (size: UInt64, name: String)] = [:]
        for line in bytes.split(separator: 0x0a) {
            let fields = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: true)
            guard fields.count == 3, let start = perfMapHex(fields[0]), let size = perfMapHex(fields[1]), size > 0 else { continue }
            var name = String(decoding: fields[2], as: UTF8.self)
            if name.hasSuffix("\r") { name.removeLast() }
            byStart[start] = (size, name)
        }
        return byStart.map { ($0.key, $0.value.size, $0.value.name) }.sorted { $0.start < $1.start }
    }

    private static func perfMapHex(_ field: ArraySlice<UInt8>) -> UInt64? {
        var digits = field
        if digits.count > 2, digits.first == 0x30, digits.dropFirst().first == 0x78 || digits.dropFirst().first == 0x58 { digits = digits.dropFirst(2) }
        return UInt64(String(decoding: digits, as: UTF8.self), radix: 16)
    }

    /// The JIT symbol of `pid`'s perf map containing `address`.
    func jitSymbol(pid: Int64, address: UInt64) -> (name: String, offset: UInt64)? {
        guard let entries = perfMaps[pid] else { return nil }
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].start <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0, case let e = entries[lo - 1], address - e.start < e.size else { return nil }
        return (e.name, address - e.start)
    }

    /// Whether `address` is code a runtime generated (named from its perf map): the flame
    /// graphs' JIT frames.
    public func isJIT(pid: Int64, address: UInt64, at ts: Int64) -> Bool {
        perfMaps[pid] != nil && fileMapping(pid: pid, address: address, at: ts) == nil && jitSymbol(pid: pid, address: address) != nil
    }

    /// The indices of `addresses` (one stack's user frames) that are JIT code.
    public func jitFrames(pid: Int64, addresses: [UInt64], at ts: Int64) -> Set<Int> {
        guard perfMaps[pid] != nil else { return [] }
        return Set(addresses.indices.filter { isJIT(pid: pid, address: addresses[$0], at: ts) })
    }

    private func fileMapping(pid: Int64, address: UInt64, at ts: Int64) -> Mapping? {
        snapshot(pid: pid, at: ts)?.mappings.first { address >= $0.start && address < $0.end }
    }

    /// The maps of `pid` read in the exec generation that contains time `ts`: between the last
    /// exec at or before `ts` and the next one. Nil when none was read then.
    func snapshot(pid: Int64, at ts: Int64, depth: Int = 0) -> Snapshot? {
        let execs = self.execs[pid] ?? []
        let exec = execs.last(where: { $0 <= ts })
        let to = execs.first(where: { $0 > ts }) ?? .max
        let fork = forks[pid]?.last(where: { $0.ts <= ts })
        // The generation starts at the exec or fork (of this use of the pid) before ts.
        let from = max(exec ?? .min, fork?.ts ?? .min)
        if let own = maps[pid]?.first(where: { $0.ts >= from && $0.ts < to }) { return own }
        // Not exec'd since its fork: the parent's maps at the fork.
        if let fork, exec.map({ $0 < fork.ts }) ?? true, depth < 16 {
            return snapshot(pid: fork.parent, at: fork.ts, depth: depth + 1)
        }
        return nil
    }

    /// The function containing `address` in process `pid` at time `ts` (a sample's), or nil
    /// (bcc prints `[unknown]`).
    public func name(pid: Int64, address: UInt64, at ts: Int64) -> String? { symbol(pid: pid, address: address, at: ts)?.name }

    /// The name of the file mapped at `address` in process `pid` at time `ts` (bcc's module).
    /// JIT code is perf's `perf-<pid>.map`.
    public func module(pid: Int64, address: UInt64, at ts: Int64) -> String? {
        if let m = fileMapping(pid: pid, address: address, at: ts) { return m.module }
        return jitSymbol(pid: pid, address: address) != nil ? "perf-\(pid).map" : nil
    }

    /// The function containing `address` and how far into it `address` is (bcc's `-s` offsets).
    /// Addresses outside every file-backed mapping (anonymous code) are named from the perf map.
    public func symbol(pid: Int64, address: UInt64, at ts: Int64) -> (name: String, offset: UInt64)? {
        guard let m = fileMapping(pid: pid, address: address, at: ts) else { return jitSymbol(pid: pid, address: address) }
        guard let image = images[m.buildID] else { return nil }
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
        return (sym.name, vaddr - sym.value)
    }
}
