import CLibBPF

/// The ring buffer consumer: libbpf calls `onRecord` for each record on `drain()`, which the
/// recorder calls on a timer (the BPF side never wakes it: BPF_RB_NO_WAKEUP).
final class RingDrain {
    let decoder: RecordDecoder
    private var ring: OpaquePointer?
    /// Time of the current drain, stamped on buffers that get their first row.
    fileprivate var now: UInt64 = 0

    init(ringFD: Int32, decoder: RecordDecoder) throws(RecorderError) {
        self.decoder = decoder
        // No captures: the C callback finds the drain through ctx.
        let callback: ring_buffer_sample_fn = { ctx, data, size in
            guard let ctx, let data else { return 0 }
            let drain = Unmanaged<RingDrain>.fromOpaque(ctx).takeUnretainedValue()
            _ = drain.decoder.decode(UnsafeRawPointer(data), size: Int(size), now: drain.now)
            return 0
        }
        // Unretained: the ring is freed in deinit, before self goes away.
        ring = ring_buffer__new(ringFD, callback, Unmanaged.passUnretained(self).toOpaque(), nil)
        guard ring != nil else { throw RecorderError("cannot set up the ring buffer consumer: \(errnoText())") }
    }

    deinit { ring_buffer__free(ring) }

    /// Consumes every record available now; returns how many.
    @discardableResult
    func drain(now: UInt64) -> Int {
        self.now = now
        return Int(ring_buffer__consume(ring))
    }
}

import Glibc
func errnoText() -> String { String(cString: strerror(errno)) }
