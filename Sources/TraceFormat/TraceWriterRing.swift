/// `TraceLayout.ring`: where a chunk goes in the circular data region, what it drops, and the
/// order of the writes that keeps the file readable after a kill at any byte (FORMAT.md).
extension TraceWriter {
    /// Puts a chunk in the data region: drops the oldest chunks it would overwrite and says so
    /// in the control block first, then writes it, then publishes it. A kill between any two
    /// steps leaves a control copy that names only whole chunks.
    func writeRingChunk(_ payload: [UInt8], header: ChunkHeader) throws {
        guard var c = ring else { return }
        let length = FileLayout.blockHeaderSize + payload.count
        guard length <= c.capacity else {
            // Larger than the whole ring: it can only be dropped, and counted.
            drop(FooterEntry(tag: BlockTag.chunk.rawValue, offset: 0, length: length, chunk: chunkEntry(header, offset: 0, length: length).chunk), in: &c)
            try publish(&c)
            return
        }
        var at = ringHead
        var wraps = false
        if at + length > c.capacity {
            at = 0
            wraps = true
        }
        var dropped = false
        // Live entries hold file offsets; `at` is in the data region.
        let start = RingControl.dataStart + at, end = start + length
        while liveStart < live.count, live[liveStart...].contains(where: { $0.offset < end && start < $0.offset + $0.length }) {
            drop(live[liveStart], in: &c)
            liveStart += 1
            dropped = true
        }
        if liveStart > 4096 {
            live.removeFirst(liveStart)
            liveStart = 0
        }
        if dropped {
            describeLive(&c)
            try publish(&c)
        }
        let seq = c.nextChunk
        let block = BlockHeader(tag: BlockTag.chunk.rawValue, flags: RingControl.flags(forChunk: seq), payloadLength: payload.count,
                                payloadCRC: CRC32C.checksum(payload))
        try writeAll(block.encoded() + payload, at: RingControl.dataStart + at)
        if wraps { lapEnd = ringHead }
        ringHead = at + length
        live.append(chunkEntry(header, offset: RingControl.dataStart + at, length: length))
        c.nextChunk = seq + 1
        describeLive(&c)
        try publish(&c)
    }

    func drop(_ e: FooterEntry, in c: inout RingControl) {
        c.droppedChunks += 1
        c.droppedBytes += e.length
        guard let s = e.chunk else { return }
        c.droppedRows += s.rowCount
        guard s.rowCount > 0, schemas[s.tableID]?.source == .bpf else { return }
        c.droppedFirstTime = c.droppedFirstTime == 0 ? s.minTime : min(c.droppedFirstTime, s.minTime)
        c.droppedLastTime = max(c.droppedLastTime, s.maxTime)
    }

    /// The live chunks as the control block states them: the oldest, how many, and where a
    /// walk from it wraps to 0.
    func describeLive(_ c: inout RingControl) {
        let chunks = live[liveStart...]
        c.liveChunks = chunks.count
        c.liveBytes = chunks.reduce(0) { $0 + $1.length }
        guard let first = chunks.first, let last = chunks.last else {
            c.tail = ringHead
            c.wrapEnd = c.capacity
            return
        }
        c.tail = first.offset - RingControl.dataStart
        c.wrapEnd = first.offset > last.offset ? lapEnd : c.capacity
    }

    /// Writes `c` as the next update, into the copy not holding the last one (so a torn write
    /// of it leaves that one whole).
    func publish(_ c: inout RingControl) throws {
        c.sequence += 1
        ring = c
        try writeControl(c)
    }

    func writeControl(_ c: RingControl) throws {
        var slot = c.encoded()
        slot += [UInt8](repeating: 0, count: 512 - slot.count)
        try writeAll(slot, at: RingControl.slotOffsets[Int(c.sequence % 2)])
    }
}
