import TraceAnalysis
import TraceReport

/// `stacks`: one row per frame of every recorded stack (cpu_sample, offcpu_stack), named with
/// the recording's own symbols (KernelSymbols from kallsyms, UserSymbols from process_maps and
/// the ELF symbol metadata), as the profile and offcputime tools name them.
struct StacksView: DerivedView {
    let name = "stacks"
    let columnNames = ["source", "sample", "ts", "cpu", "pid", "tid", "comm", "depth", "space", "address", "symbol", "offset", "module"]
    static let tables = ["cpu_sample", "offcpu_stack"]

    func isAvailable(in r: SQLRecording) -> Bool { Self.tables.contains { r.recording.hasTable($0) } }

    func produce(_ r: SQLRecording, into sink: RowSink) throws {
        let rec = r.recording
        let kernel = try KernelSymbols.load(rec.file)
        let user = try UserSymbols.load(rec)
        var sample: Int64 = 0
        for table in Self.tables where rec.hasTable(table) {
            try rec.scan(table, columns: ["ts", "cpu", "pid", "tid", "comm", "kstack", "ustack"]) { b in
                let ts = b.ints("ts"), cpu = b.ints("cpu"), pid = b.ints("pid"), tid = b.ints("tid")
                let comm = b.blobs("comm"), kstack = b.blobs("kstack"), ustack = b.blobs("ustack")
                for i in 0..<b.count {
                    sample += 1
                    let head: [ResultCell] = [.text(table), .int(sample), .u64(UInt64(bitPattern: ts[i])), .int(cpu[i]), .int(pid[i]), .int(tid[i]), .text(comm.string(i))]
                    for (depth, a) in StackFrames.decode(kstack[i]).enumerated() {
                        let s = kernel?.symbol(of: a)
                        try sink.emit(head + [.int(Int64(depth)), .text("kernel"), .u64(a), s.map { .text($0.name) } ?? .null,
                                              s.map { .int(Int64($0.offset)) } ?? .null, .text("[kernel]")])
                    }
                    for (depth, a) in StackFrames.decode(ustack[i]).enumerated() {
                        let s = user?.symbol(pid: pid[i], address: a, at: ts[i]).flatMap { $0.name.isEmpty ? nil : $0 }
                        let module = user?.module(pid: pid[i], address: a, at: ts[i])
                        try sink.emit(head + [.int(Int64(depth)), .text("user"), .u64(a), s.map { .text($0.name) } ?? .null,
                                              s.map { .int(Int64($0.offset)) } ?? .null, module.map { .text($0) } ?? .null])
                    }
                }
            }
        }
    }
}
