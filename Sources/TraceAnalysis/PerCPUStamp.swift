/// libbpf-tools' one-slot per-CPU start map (hardirqs, softirqs): an entry stamps its CPU, an
/// exit takes the time since its CPU's last stamp. The live map starts zeroed, so an exit before
/// any entry on its CPU measures from 0: kept as the live tool has it, and counted in `unstamped`.
public struct PerCPUStamp: Sendable {
    private var stamps: [Int64: Int64] = [:]
    /// Exits seen before any entry on their CPU.
    public private(set) var unstamped = 0

    public init() {}

    public mutating func stamp(cpu: Int64, at ts: Int64) { stamps[cpu] = ts }

    /// `ts` minus the CPU's stamp in the live tool's u64 arithmetic, divided by `divisor`
    /// (1000 for microseconds).
    public mutating func elapsed(cpu: Int64, at ts: Int64, divisor: UInt64) -> UInt64 {
        if stamps[cpu] == nil { unstamped += 1 }
        return UInt64(bitPattern: ts &- (stamps[cpu] ?? 0)) / divisor
    }
}
