import Dispatch
import Foundation
import TraceFormat

/// For each process seen with a user stack: its executable mappings (process_maps rows), read
/// once when first seen, and for each binary its build-id and symbols (elf_symbols metadata,
/// extracted off the drain thread), so user stacks symbolize offline.
final class ProcessMaps {
    private var seen: Set<UInt32> = []
    private var buildIDs: [String: [UInt8]] = [:]
    private var written: Set<[UInt8]> = []
    private let symbolQueue = DispatchQueue(label: "bpfrec.elf-symbols", qos: .background)
    private let pipeline: ChunkPipeline
    /// Extracted symbol tables waiting to be written. Writing one compresses it on the writer
    /// queue, which would delay chunks (and, with the drain loop waiting on them, overflow the
    /// ring): they go out one at a time when the writer is idle, and all at stop.
    private let pending = PendingSymbols()

    init(pipeline: ChunkPipeline) { self.pipeline = pipeline }

    /// Reads the maps of `pids` not seen before into `buffer`.
    func record(pids: [UInt32], at ts: UInt64, into buffer: inout TableBuffer) {
        for pid in pids where seen.insert(pid).inserted && pid != 0 {
            guard let text = readFileText("/proc/\(pid)/maps") else { continue }
            for line in text.split(separator: "\n") {
                // start-end perms offset dev inode path
                let f = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
                guard f.count == 6, f[1].contains("x") else { continue }
                let path = f[5].trimmingCharacters(in: .whitespaces)
                guard path.hasPrefix("/") else { continue }
                let range = f[0].split(separator: "-")
                guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16),
                      let offset = UInt64(f[2], radix: 16) else { continue }
                // The process may live in another mount namespace: read the file through its root.
                let file = "/proc/\(pid)/root\(path)"
                let id = buildIDs[path] ?? (ElfSymbols.buildID(path: file) ?? [])
                buildIDs[path] = id
                buffer.append(row: [.u64(ts), .int(Int64(pid)), .u64(start), .u64(end), .u64(offset), .string(path), .bytes(id)])
                if !id.isEmpty && written.insert(id).inserted {
                    let pending = self.pending
                    symbolQueue.async {
                        guard let syms = ElfSymbols.read(path: file) else { return }
                        pending.push(syms)
                    }
                }
            }
        }
    }

    /// Writes one pending symbol table if the writer has nothing else to do.
    func writeWhenIdle() {
        guard pipeline.chunksInFlight == 0, let next = pending.pop() else { return }
        pipeline.metadata(name: MetadataName.elfSymbolsPrefix + hex(next.buildID), bytes: next.text)
    }

    /// Waits for symbol extraction still running and writes every pending table (at stop).
    func finish() {
        symbolQueue.sync {}
        while let syms = pending.pop() {
            pipeline.metadata(name: MetadataName.elfSymbolsPrefix + hex(syms.buildID), bytes: syms.text)
        }
    }
}

/// Symbol tables extracted on the background queue, handed to the drain thread.
final class PendingSymbols: @unchecked Sendable {
    // @unchecked: `items` is only touched under `lock`.
    private let lock = NSLock()
    private var items: [ElfSymbols] = []

    func push(_ s: ElfSymbols) { lock.withLock { items.append(s) } }
    func pop() -> ElfSymbols? { lock.withLock { items.popLast() } }
}
