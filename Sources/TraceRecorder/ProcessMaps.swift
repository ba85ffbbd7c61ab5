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

    /// Processes that exec'd have new maps: read them again when next seen in a user stack.
    /// (Without the proc family no exec is seen, and a process keeps its first maps.)
    func forget(pids: [UInt32]) {
        for pid in pids { seen.remove(pid) }
    }

    /// Reads the maps of `pids` not seen before (or since their exec) into `buffer`.
    func record(pids: [UInt32], at ts: UInt64, into buffer: inout TableBuffer) {
        for pid in pids where seen.insert(pid).inserted && pid != 0 {
            guard let text = readFileText("/proc/\(pid)/maps") else { continue }
            let sameRoot = Self.sharesOurRoot(pid)
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
                let root = "/proc/\(pid)/root"
                let file = root + path
                let id = buildIDs[path] ?? (ElfSymbols.buildID(path: file) ?? [])
                buildIDs[path] = id
                buffer.append(row: [.u64(ts), .int(Int64(pid)), .u64(start), .u64(end), .u64(offset), .string(path), .bytes(id)])
                if !id.isEmpty && written.insert(id).inserted {
                    let pending = self.pending
                    symbolQueue.async {
                        guard !pending.pastDeadline() else { return pending.skip() }
                        // Extraction runs behind the drain and the process may be gone by then:
                        // one that saw our root has the same files under our /.
                        guard let syms = ElfSymbols.read(path: file, root: root) ?? (sameRoot ? ElfSymbols.read(path: path) : nil),
                              syms.buildID == id else { return }
                        pending.push(syms)
                    }
                }
            }
        }
    }

    /// Whether the process's root directory is ours (same mount namespace view of /).
    static func sharesOurRoot(_ pid: UInt32) -> Bool {
        var theirs = stat(), ours = stat()
        return stat("/proc/\(pid)/root", &theirs) == 0 && stat("/", &ours) == 0 && theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino
    }

    /// Writes one pending symbol table if the writer has nothing else to do.
    func writeWhenIdle() {
        guard pipeline.chunksInFlight == 0, let next = pending.pop() else { return }
        pipeline.metadata(name: MetadataName.elfSymbolsPrefix + hex(next.buildID), bytes: next.text)
    }

    /// Waits for symbol extraction still running, at most about `grace` seconds (binaries not
    /// reached by then are skipped and counted), and writes every pending table (at stop).
    /// Returns how many binaries were skipped.
    @discardableResult
    func finish(grace: Double = 3) -> Int {
        pending.setDeadline(HostMetadata.monotonic() + UInt64(grace * 1e9))
        symbolQueue.sync {}
        while let syms = pending.pop() {
            pipeline.metadata(name: MetadataName.elfSymbolsPrefix + hex(syms.buildID), bytes: syms.text)
        }
        return pending.skipped
    }
}

/// Symbol tables extracted on the background queue, handed to the drain thread.
final class PendingSymbols: @unchecked Sendable {
    // @unchecked: `items` is only touched under `lock`.
    private let lock = NSLock()
    private var items: [ElfSymbols] = []
    private var deadline = UInt64.max
    private var skippedCount = 0

    func push(_ s: ElfSymbols) { lock.withLock { items.append(s) } }
    func pop() -> ElfSymbols? { lock.withLock { items.popLast() } }
    func setDeadline(_ t: UInt64) { lock.withLock { deadline = t } }
    func pastDeadline() -> Bool { lock.withLock { HostMetadata.monotonic() > deadline } }
    func skip() { lock.withLock { skippedCount += 1 } }
    var skipped: Int { lock.withLock { skippedCount } }
}
