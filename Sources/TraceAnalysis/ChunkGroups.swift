import Foundation

extension Recording {
    /// Decoding is the costly part of every scan, and chunks decode independently: this runs
    /// `work` on `chunksInFlight` items at a time on all cores, so memory stays one group
    /// whatever the recording's size, and hands each group's outputs to `body` in item order,
    /// with the first item of the next group (nil after the last) for scans that merge by time
    /// up to a watermark. A failed item stops the scan, with its group undelivered.
    func inChunkGroups<Item: Sendable, Output>(_ items: [Item], _ work: @Sendable (Item) throws -> Output,
                                     _ body: (_ group: [(item: Item, output: Output)], _ next: Item?) throws -> Void) throws {
        var index = 0
        while index < items.count {
            let slice = Array(items[index..<min(index + Self.chunksInFlight, items.count)])
            index += slice.count
            let results = ParallelResults<Output>(count: slice.count)
            DispatchQueue.concurrentPerform(iterations: slice.count) { i in
                results.set(i, Result { try work(slice[i]) })
            }
            var group: [(item: Item, output: Output)] = []
            group.reserveCapacity(slice.count)
            for (i, r) in results.values.enumerated() {
                switch r {
                case .success(let v): group.append((slice[i], v))
                case .failure(let e): throw AnalysisError("\(e)")
                case nil: throw AnalysisError("internal: chunk \(i) of a group not decoded")
                }
            }
            try body(group, index < items.count ? items[index] : nil)
        }
    }
}

/// One slot per item of a parallel loop, each written once by the worker that owns it.
final class ParallelResults<T>: @unchecked Sendable {
    // @unchecked: each index is written by exactly one worker, under the lock, before any read.
    private var slots: [Result<T, Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, Error>) {
        lock.lock()
        slots[i] = r
        lock.unlock()
    }
    var values: [Result<T, Error>?] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
