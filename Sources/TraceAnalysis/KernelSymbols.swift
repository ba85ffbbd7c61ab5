import TraceFormat

/// Kernel addresses to function names from the recording's `kallsyms` metadata (the text of
/// /proc/kallsyms at record time), resolved as bcc and libbpf-tools do: the symbol with the
/// greatest address not above the instruction pointer.
public struct KernelSymbols: Sendable {
    private let addresses: [UInt64]
    private let names: [String]

    /// Parses `address type name [module]` lines; zero addresses (kptr_restrict) are skipped.
    public init(kallsyms text: String) {
        var entries: [(UInt64, String)] = []
        for line in text.split(separator: "\n") {
            let f = line.split(maxSplits: 3, omittingEmptySubsequences: true) { $0 == " " || $0 == "\t" }
            guard f.count >= 3, let addr = UInt64(f[0], radix: 16), addr != 0 else { continue }
            entries.append((addr, String(f[2])))
        }
        // Stable by address: the first of several symbols at one address wins, as in a sorted
        // /proc/kallsyms read.
        let sorted = entries.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element)
        addresses = sorted.map(\.0)
        names = sorted.map(\.1)
    }

    /// The recording's kernel symbols, or nil when it carries none: the start-time kallsyms
    /// text and the BPF programs' symbols seen while recording (`kallsyms_bpf`: bpfrec's own
    /// programs, which load after the snapshot, and any loaded beside it; older recordings lack
    /// them and name no frame inside a BPF program).
    public static func load(_ file: TraceFile) throws -> KernelSymbols? {
        guard let bytes = try file.metadata(named: MetadataName.kernelSymbols) else { return nil }
        var text = String(decoding: bytes, as: UTF8.self)
        if let bpf = try file.metadata(named: MetadataName.bpfSymbols) { text += "\n" + String(decoding: bpf, as: UTF8.self) }
        return KernelSymbols(kallsyms: text)
    }

    /// How many innermost frames of a stack taken inside a tracing BPF program (bpf_get_stack
    /// in a tp_btf/raw_tp program: offcpu_stack's) are that program's own and the tracepoint
    /// glue's that ran it: `bpf_prog_<tag>_<name>`, then `bpf_trace_runN` (or
    /// `trace_call_bpf`), `__bpf_trace_*`, `perf_trace_*`, up to `__traceiter_<event>`. The
    /// live tools' stacks start with the same frames of their own programs. A classic
    /// tracepoint program's stack (bpf_get_stack from the tracepoint's saved registers: the
    /// generic `--stack-events` tables) starts at the glue instead (`__traceiter_<event>`),
    /// which is counted alike. 0 when neither (the first frame is then the workload's).
    public func probeFrameCount(_ stack: [UInt64]) -> Int {
        var n = 0
        if stack.count >= 2, let caller = name(of: stack[1]), Self.runsBPFProgram(caller) { n = 2 }
        while n < stack.count, let name = name(of: stack[n]), Self.tracepointGlue(name) { n += 1 }
        return n
    }

    /// `probeFrameCount` of a waker's stack taken at sched_waking or sched_wakeup, and the
    /// scheduler's frames under it down to try_to_wake_up when that is near the top: bcc's
    /// offwaketime probes try_to_wake_up and drops its frame, so its waker stacks start at the
    /// caller (a wakeup run from the IPI queue has no try_to_wake_up there and keeps them).
    public func wakeupProbeFrameCount(_ stack: [UInt64]) -> Int {
        let n = probeFrameCount(stack)
        for i in n..<min(stack.count, n + 4) where name(of: stack[i]) == "try_to_wake_up" { return i + 1 }
        return n
    }

    /// Kernel functions that call a tracing BPF program.
    static func runsBPFProgram(_ name: String) -> Bool {
        name == "trace_call_bpf" || (name.hasPrefix("bpf_trace_run") && name.dropFirst("bpf_trace_run".count).allSatisfy(\.isNumber))
    }

    /// The tracepoint's own frames between its call site and the BPF program.
    static func tracepointGlue(_ name: String) -> Bool {
        runsBPFProgram(name) || name.hasPrefix("__bpf_trace_") || name.hasPrefix("perf_trace_") || name.hasPrefix("__traceiter_")
    }

    public var count: Int { addresses.count }

    /// The name of the function holding `address`, nil below the first symbol or past a
    /// section's end marker (BPF programs and modules loaded after the snapshot live above the
    /// kernel image: naming them `_einittext` would be wrong, so they print as unknown).
    public func name(of address: UInt64) -> String? { symbol(of: address)?.name }

    /// Whether the kernel had a symbol of this name (a function a live tool would probe).
    public func contains(symbol name: String) -> Bool { names.contains(name) }

    /// The function holding `address` and how far into it `address` is (bcc's `-s` offsets).
    public func symbol(of address: UInt64) -> (name: String, offset: UInt64)? {
        var lo = 0, hi = addresses.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if addresses[mid] <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let name = names[lo - 1]
        return Self.endMarkers.contains(name) ? nil : (name, address - addresses[lo - 1])
    }

    /// Linker symbols that end a section rather than start a function.
    static let endMarkers: Set<String> = ["_etext", "_einittext", "_end", "_edata", "__end_rodata", "__init_end", "__bss_stop", "__end_of_kernel_reserve"]
}

/// A `kstack`/`ustack` column: little-endian u64 instruction pointers, innermost first, ending
/// at the first zero (as the stack-map walkers stop).
public enum StackFrames {
    public static func decode(_ bytes: [UInt8]) -> [UInt64] {
        var out: [UInt64] = []
        var i = 0
        while i + 8 <= bytes.count {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
            if v == 0 { break }
            out.append(v)
            i += 8
        }
        return out
    }
}
