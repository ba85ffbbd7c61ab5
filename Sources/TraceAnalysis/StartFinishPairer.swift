/// Pairs the start of something with its finish by a key (a block request's `rq` pointer, a
/// thread id), in time order. Keys are reused (a freed request's address comes back), so a new
/// start replaces an unfinished one, and a finish consumes its start: exactly what the live tools'
/// `start` maps do (update on start, lookup + delete on finish).
public struct StartFinishPairer<Key: Hashable & Sendable, Start: Sendable>: Sendable {
    private var open: [Key: Start] = [:]

    public init() {}

    public mutating func start(_ key: Key, _ value: Start) { open[key] = value }

    /// Overwrites only when nothing is open for the key (first start wins).
    public mutating func startIfAbsent(_ key: Key, _ value: Start) {
        if open[key] == nil { open[key] = value }
    }

    /// The open start for `key`, removed; nil when the start was not seen (before the recording).
    public mutating func finish(_ key: Key) -> Start? { open.removeValue(forKey: key) }

    public func peek(_ key: Key) -> Start? { open[key] }
    public mutating func drop(_ key: Key) { open[key] = nil }

    /// Starts still waiting for their finish.
    public var pending: Int { open.count }
}
