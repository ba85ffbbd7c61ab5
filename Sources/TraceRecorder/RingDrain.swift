import CLibBPF

/// The ring buffer consumer: libbpf calls `onRecord` for each record on `drain()`, which the
/// recorder calls on a timer (the BPF side never wakes it: BPF_RB_NO_WAKEUP).
final class RingDrain {
    let decoder: RecordDecoder
    private var ring: OpaquePointer?
    /// Time of the current drain, stamped on buffers that get their first row.
    fileprivate var now: UInt64 = 0
    /// Records left in this drain's budget. ring_buffer__consume would otherwise keep going as
    /// long as producers keep up, starving the flush, loss and stop checks of the loop.
    fileprivate var budget = 0
    static let budgetExhausted: Int32 = -11 // -EAGAIN, returned by the callback to stop early

    init(ringFD: Int32, decoder: RecordDecoder) throws(RecorderError) {
        self.decoder = decoder
        // No captures: the C callback finds the drain through ctx.
        let callback: ring_buffer_sample_fn = { ctx, data, size in
            guard let ctx, let data else { return 0 }
            let drain = Unmanaged<RingDrain>.fromOpaque(ctx).takeUnretainedValue()
            _ = drain.decoder.decode(UnsafeRawPointer(data), size: Int(size), now: drain.now)
            drain.budget -= 1
            return drain.budget > 0 ? 0 : RingDrain.budgetExhausted
        }
        // Unretained: the ring is freed in deinit, before self goes away.
        ring = ring_buffer__new(ringFD, callback, Unmanaged.passUnretained(self).toOpaque(), nil)
        guard ring != nil else { throw RecorderError("cannot set up the ring buffer consumer: \(errnoText())") }
    }

    deinit { ring_buffer__free(ring) }

    /// Consumes up to `limit` records; true when it stopped at the limit (more are waiting).
    @discardableResult
    func drain(now: UInt64, limit: Int = 1 << 16) -> Bool {
        self.now = now
        budget = limit
        return ring_buffer__consume(ring) == RingDrain.budgetExhausted
    }

    /// Consumes everything (at stop, after the probes are detached).
    func drainAll(now: UInt64) {
        while drain(now: now) {}
    }
}

import Glibc
func errnoText() -> String { String(cString: strerror(errno)) }
