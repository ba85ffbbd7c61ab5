import Glibc
import TraceAnalysis
import TraceFormat

/// A recording's CPU samples and off-CPU spans as a Perfetto trace (protobuf `Trace`, the
/// format the Perfetto UI and trace processor open): a process and a thread track for every
/// task seen, each cpu_sample as a `PerfSample` with an interned callstack (kernel and user
/// frames named offline), and each off-CPU span (offcputime's, `OffCpuSpans`) as a slice on
/// its thread's track, named by the function it blocked in, with its stacks as annotations.
/// Timestamps are the recording's CLOCK_MONOTONIC, tied to boot and wall time by a clock
/// snapshot from the recording's anchors.
struct PerfettoExport {
    /// What was written, for the command's summary line and its tests.
    struct Counts: Equatable {
        var samples = 0
        var spans = 0
        var spansWithStacks = 0
        /// Spans of threads the recording never names (no process table row, no stack).
        var spansOfUnknownThreads = 0
        var threads = 0
    }

    // TracePacket fields (protos/perfetto/trace/trace_packet.proto).
    enum Packet {
        static let timestamp = 8, clockSnapshot = 6, sequenceID = 10, trackEvent = 11, internedData = 12,
                   sequenceFlags = 13, timestampClockID = 58, trackDescriptor = 60, perfSample = 66, firstOnSequence = 87
    }
    static let monotonic: UInt64 = 3, boottime: UInt64 = 6, realtime: UInt64 = 1
    static let sequence: UInt64 = 1
    static let incrementalStateCleared: UInt64 = 1, needsIncrementalState: UInt64 = 2

    let rec: Recording

    /// Interned strings, frames and callstacks of the samples (InternedData iids from 1).
    struct Interner {
        var names: [String: UInt64] = [:]
        var mappings: [String: UInt64] = [:]
        var frames: [FrameKey: UInt64] = [:]
        var callstacks: [[UInt64]: UInt64] = [:]
        struct FrameKey: Hashable { var name: UInt64; var mapping: UInt64 }

        mutating func name(_ s: String) -> UInt64 { intern(s, &names) }
        mutating func mapping(_ path: String) -> UInt64 { intern(path, &mappings) }
        mutating func frame(_ name: String, mapping: String) -> UInt64 {
            let key = FrameKey(name: self.name(name), mapping: self.mapping(mapping))
            if let id = frames[key] { return id }
            let id = UInt64(frames.count + 1)
            frames[key] = id
            return id
        }
        mutating func callstack(_ frameIDs: [UInt64]) -> UInt64 {
            if let id = callstacks[frameIDs] { return id }
            let id = UInt64(callstacks.count + 1)
            callstacks[frameIDs] = id
            return id
        }
        private func intern<K: Hashable>(_ k: K, _ table: inout [K: UInt64]) -> UInt64 {
            if let id = table[k] { return id }
            let id = UInt64(table.count + 1)
            table[k] = id
            return id
        }

        /// InternedData (protos/perfetto/trace/interned_data/interned_data.proto): function
        /// names 5, frames 6, callstacks 7, mapping paths 17, mappings 19.
        func message() -> ProtoWriter {
            var m = ProtoWriter()
            for (s, id) in names.sorted(by: { $0.value < $1.value }) { m.message(5) { $0.varint(1, id); $0.string(2, s) } }
            for (path, id) in mappings.sorted(by: { $0.value < $1.value }) { m.message(17) { $0.varint(1, id); $0.string(2, path) } }
            // Mapping: iid 1, path_string_ids 7 (the path interned under the same id).
            for (_, id) in mappings.sorted(by: { $0.value < $1.value }) { m.message(19) { $0.varint(1, id); $0.varint(7, id) } }
            // Frame: iid 1, function_name_id 2, mapping_id 3.
            for (k, id) in frames.sorted(by: { $0.value < $1.value }) { m.message(6) { $0.varint(1, id); $0.varint(2, k.name); $0.varint(3, k.mapping) } }
            // Callstack: iid 1, frame_ids 2, bottom (outermost) frame first.
            for (ids, id) in callstacks.sorted(by: { $0.value < $1.value }) {
                m.message(7) { c in
                    c.varint(1, id)
                    for f in ids { c.varint(2, f) }
                }
            }
            return m
        }
    }

    struct Sample { var ts: Int64; var cpu: Int64; var pid: Int64; var tid: Int64; var callstack: UInt64; var kernel: Bool }
    struct Span { var tid: Int64; var start: Int64; var end: Int64; var key: Int? }
    struct Thread { var pid: Int64; var comm: String }

    static let kernelMapping = "[kernel.kallsyms]"

    /// Writes the trace to `path` (created or truncated).
    func write(to path: String) throws -> Counts {
        let hasSamples = rec.file.tableID(named: "cpu_sample") != nil
        let hasSpans = rec.file.tableID(named: "sched_switch") != nil
        guard hasSamples || hasSpans else {
            throw AnalysisError("\(rec.path) has neither cpu_sample nor sched_switch rows: record with `bpfrec record --families proc,sched,stacks`")
        }
        let ksyms = try KernelSymbols.load(rec.file)
        var threads: [Int64: Thread] = [:]
        var interner = Interner()
        var samples: [Sample] = []
        var sampleRows: [(ts: Int64, cpu: Int64, pid: Int64, tid: Int64, kernel: [UInt64], user: [UInt64])] = []
        if hasSamples {
            try rec.scan(CpuSampleRow.self, reading: [\.cpu, \.pid, \.tid, \.comm, \.kstack, \.ustack]) { row in
                if threads[row.tid] == nil || row.tid == row.pid { threads[row.tid] = Thread(pid: row.pid, comm: row.comm) }
                sampleRows.append((row.ts, row.cpu, row.pid, row.tid, StackFrames.decode(row.kstack), StackFrames.decode(row.ustack)))
            }
        }

        // Off-CPU spans, and the tasks' names for the spans that have no stack to name them.
        var keys: [OffCpuTracker.Key] = [], keyIndex: [OffCpuTracker.Key: Int] = [:]
        var spans: [Span] = []
        var firstSeen: [Int: Int64] = [:]
        if hasSpans {
            var tasks = ProcessTracker(for: rec)
            let spanScan = OffCpuSpans(filter: .init(), tracerFrames: false, ksyms: ksyms, end: nil)
            try spanScan.scan(rec, with: ProcessTracker.sources, extra: { m in
                tasks.apply(source: m.source - OffCpuSpans.sourceCount, batch: m.batch, row: m.row)
            }) { span in
                var index: Int?
                if let key = span.key {
                    index = keyIndex[key] ?? {
                        keys.append(key)
                        keyIndex[key] = keys.count - 1
                        firstSeen[keys.count - 1] = span.end
                        return keys.count - 1
                    }()
                    if threads[key.tid] == nil { threads[key.tid] = Thread(pid: key.tgid, comm: key.comm) }
                } else if threads[span.tid] == nil, let t = tasks.task(span.tid) {
                    threads[span.tid] = Thread(pid: t.pid, comm: t.comm)
                }
                spans.append(Span(tid: span.tid, start: span.start, end: span.end, key: index))
            }
        }

        let pids = Set(threads.values.map(\.pid)).union(sampleRows.map(\.pid)).union(keys.map(\.tgid))
        let usyms = try UserSymbols.load(rec, pids: pids)
        func kernelName(_ a: UInt64) -> String { ksyms?.name(of: a) ?? "[unknown]" }
        func userName(_ pid: Int64, _ a: UInt64, _ ts: Int64) -> String { usyms?.name(pid: pid, address: a, at: ts) ?? "[unknown]" }
        for s in sampleRows {
            // Outermost first: user frames from the root, then the kernel's.
            var ids: [UInt64] = []
            for a in s.user.reversed() {
                ids.append(interner.frame(userName(s.pid, a, s.ts), mapping: usyms?.module(pid: s.pid, address: a, at: s.ts) ?? "[unknown]"))
            }
            for a in s.kernel.reversed() { ids.append(interner.frame(kernelName(a), mapping: Self.kernelMapping)) }
            samples.append(Sample(ts: s.ts, cpu: s.cpu, pid: s.pid, tid: s.tid, callstack: interner.callstack(ids), kernel: !s.kernel.isEmpty))
        }

        var out = try TraceOutput(path: path)
        defer { out.close() }
        let anchor = try rec.file.metadata(named: MetadataName.clock, as: ClockAnchors.self)?.start
        let firstTs = min(samples.first?.ts ?? .max, spans.map(\.start).min() ?? .max, anchor?.monotonic ?? .max)
        // ClockSnapshot: the monotonic clock the events use, with boot and wall time at once.
        if let anchor {
            var p = ProtoWriter()
            p.message(Packet.clockSnapshot) { c in
                for (id, t) in [(Self.boottime, anchor.boottime), (Self.monotonic, anchor.monotonic), (Self.realtime, anchor.realtime)] {
                    c.message(1) { $0.varint(1, id); $0.varint(2, UInt64(bitPattern: t)) }
                }
            }
            p.varint(Packet.sequenceID, Self.sequence)
            try out.packet(p)
        }
        do {
            var p = ProtoWriter()
            p.varint(Packet.timestamp, UInt64(bitPattern: firstTs == .max ? 0 : firstTs))
            p.varint(Packet.timestampClockID, Self.monotonic)
            p.varint(Packet.sequenceID, Self.sequence)
            p.bool(Packet.firstOnSequence, true)
            p.varint(Packet.sequenceFlags, Self.incrementalStateCleared)
            p.message(Packet.internedData, interner.message())
            try out.packet(p)
        }
        // TrackDescriptor: uuid 1, name 2, process 3 (pid 1, process_name 6), thread 4 (pid 1,
        // tid 2, thread_name 5), parent_uuid 5. Processes are named by their main thread.
        func processUUID(_ pid: Int64) -> UInt64 { UInt64(bitPattern: pid) | 1 << 40 }
        func threadUUID(_ tid: Int64) -> UInt64 { UInt64(bitPattern: tid) | 2 << 40 }
        for pid in pids.sorted() {
            var p = ProtoWriter()
            p.message(Packet.trackDescriptor) { d in
                d.varint(1, processUUID(pid))
                d.message(3) { pd in
                    pd.int(1, pid)
                    if let name = threads[pid]?.comm { pd.string(6, name) }
                }
            }
            try out.packet(p)
        }
        for (tid, t) in threads.sorted(by: { $0.key < $1.key }) {
            var p = ProtoWriter()
            p.message(Packet.trackDescriptor) { d in
                d.varint(1, threadUUID(tid))
                d.varint(5, processUUID(t.pid))
                d.message(4) { td in
                    td.int(1, t.pid)
                    td.int(2, tid)
                    td.string(5, t.comm)
                }
            }
            try out.packet(p)
        }
        // PerfSample: cpu 1, pid 2, tid 3, callstack_iid 4, cpu_mode 5 (kernel 1, user 2).
        for s in samples {
            var p = ProtoWriter()
            p.varint(Packet.timestamp, UInt64(bitPattern: s.ts))
            p.varint(Packet.timestampClockID, Self.monotonic)
            p.varint(Packet.sequenceID, Self.sequence)
            p.varint(Packet.sequenceFlags, Self.needsIncrementalState)
            p.message(Packet.perfSample) { ps in
                ps.varint(1, UInt64(bitPattern: s.cpu))
                ps.varint(2, UInt64(bitPattern: s.pid))
                ps.varint(3, UInt64(bitPattern: s.tid))
                ps.varint(4, s.callstack)
                ps.varint(5, s.kernel ? 1 : 2)
            }
            try out.packet(p)
        }
        // Off-CPU slices: TrackEvent type 9 (begin 1, end 2), track_uuid 11, name 23,
        // debug_annotations 4 (name 10, string_value 6).
        var counts = Counts(samples: samples.count, spans: spans.count, spansWithStacks: 0, threads: threads.count)
        var named: [Int: (name: String, kernel: String, user: String)] = [:]
        for s in spans where threads[s.tid] != nil {
            var annotation: (name: String, kernel: String, user: String)?
            if let k = s.key {
                counts.spansWithStacks += 1
                annotation = named[k] ?? {
                    let key = keys[k]
                    let kernel = key.kernelStack.map(kernelName)
                    let user = key.userStack.map { userName(key.tgid, $0, firstSeen[k] ?? s.end) }
                    let v = ("off-CPU: " + Self.blockedIn(kernel), kernel.joined(separator: "\n"), user.joined(separator: "\n"))
                    named[k] = v
                    return v
                }()
            }
            for (ts, type) in [(s.start, UInt64(1)), (s.end, UInt64(2))] {
                var p = ProtoWriter()
                p.varint(Packet.timestamp, UInt64(bitPattern: ts))
                p.varint(Packet.timestampClockID, Self.monotonic)
                p.varint(Packet.sequenceID, Self.sequence)
                p.message(Packet.trackEvent) { e in
                    e.varint(9, type)
                    e.varint(11, threadUUID(s.tid))
                    guard type == 1 else { return }
                    e.string(23, annotation?.name ?? "off-CPU")
                    if let annotation {
                        e.message(4) { $0.string(10, "kernel_stack"); $0.string(6, annotation.kernel) }
                        if !annotation.user.isEmpty { e.message(4) { $0.string(10, "user_stack"); $0.string(6, annotation.user) } }
                    }
                }
                try out.packet(p)
            }
        }
        counts.spans = spans.filter { threads[$0.tid] != nil }.count
        counts.spansOfUnknownThreads = spans.count - counts.spans
        try out.finish()
        return counts
    }

    /// The function a blocked stack waits in: its first frame past the scheduler's own.
    static func blockedIn(_ kernel: [String]) -> String {
        kernel.first { !($0.hasPrefix("__schedule") || $0.hasPrefix("schedule") || $0.hasPrefix("preempt_schedule") || $0.hasPrefix("io_schedule")) } ?? kernel.first ?? "[unknown]"
    }
}

/// The trace file: each packet as a `Trace.packet` (field 1) written as it comes, buffered.
struct TraceOutput {
    let fd: Int32
    let path: String
    var buffer: [UInt8] = []

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw AnalysisError("-o \(path): \(String(cString: strerror(errno)))") }
    }

    mutating func packet(_ p: ProtoWriter) throws {
        var field = ProtoWriter()
        field.message(1, p)
        buffer += field.bytes
        if buffer.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { throw AnalysisError("-o \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func finish() throws {
        try flush()
        if fsync(fd) != 0 && errno != EINVAL { throw AnalysisError("-o \(path): \(String(cString: strerror(errno)))") }
    }

    func close() { _ = Glibc.close(fd) }
}
