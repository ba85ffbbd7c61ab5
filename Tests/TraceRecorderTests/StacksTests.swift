import Foundation
import Glibc
import Testing
import TraceAnalysis
import TraceFormat

/// The cpu-clock sampler catches a thread spinning on a CPU with its user stack; a thread that
/// sleeps gets an off-CPU stack (kernel frames) at each switch-out.
extension RecorderTests {
    @Test func samplesAndOffCPUStacks() throws {
        let path = Harness.tempPath("stacks")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "stacks", "--stack-freq", "99", "--flush-interval", "200", "--symbol-grace", "120"])
        #expect(rec.waitReady())
        let tid = Int64(gettidNow())
        // Spin for 1 s on a CPU, then sleep 20 times.
        let cpu0 = HostClock.threadCPU()
        let end = Date().addingTimeInterval(1)
        var x: UInt64 = 0
        while Date() < end { for i in 0..<10_000 { x &+= UInt64(i) &* 2654435761 } }
        #expect(x != 1)
        let cpuSeconds = HostClock.threadCPU() - cpu0
        for _ in 0..<20 { usleep(10_000) }
        usleep(300_000)
        let (status, err) = rec.stop()
        #expect(status == 0, "\(err)")

        let file = try TraceFile(path: path)
        // The stacks family brings the kernel symbols its kernel stacks are named with.
        #expect(try file.metadata(named: MetadataName.kernelSymbols).map { $0.count > 1000 } == true)
        let samples = try Rows(file, "cpu_sample")
        let mine = samples.rows(where: "tid", is: tid)
        // 99 Hz of the CPU time the thread got (other load shares the CPUs); slack for jitter.
        #expect(Double(mine.count) >= cpuSeconds * 99 * 0.6, "\(mine.count) samples for \(cpuSeconds) s on CPU")
        #expect(Double(mine.count) <= cpuSeconds * 99 * 1.4 + 3, "\(mine.count) samples for \(cpuSeconds) s on CPU")
        #expect(mine.filter { samples.bytes("ustack", $0).count >= 8 }.count >= mine.count / 2)
        for r in mine { #expect(samples.int("pid", r) == Int64(getpid())) }

        // The spinning process's executable mappings were recorded, and the innermost user
        // frames fall inside them; its binaries' symbols are in elf_symbols metadata.
        let maps = try Rows(file, "process_maps")
        let myMaps = maps.rows(where: "pid", is: Int64(getpid()))
        #expect(myMaps.count > 0)
        // The vDSO (clock_gettime under Date()) is no file: the recorder keeps file-backed
        // executable mappings only, so a sample taken inside it is not checked here.
        let vdso: Range<UInt64>? = readWhole("/proc/self/maps")?.split(separator: "\n")
            .first { $0.hasSuffix("[vdso]") }.flatMap { l in
                let r = l.split(separator: " ")[0].split(separator: "-").compactMap { UInt64($0, radix: 16) }
                return r.count == 2 ? r[0]..<r[1] : nil
            }
        var inside = 0, framesSeen = 0
        var outside: [String] = []
        for r in mine {
            let u = samples.bytes("ustack", r)
            guard u.count >= 8 else { continue }
            let ip = UInt64(bitPattern: Int64(u.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }))
            if vdso?.contains(ip) == true { continue }
            framesSeen += 1
            if myMaps.contains(where: { UInt64(bitPattern: maps.int("start", $0)) <= ip && ip < UInt64(bitPattern: maps.int("end", $0)) }) { inside += 1 } else { outside.append(String(ip, radix: 16)) }
        }
        #expect(framesSeen > 0 && inside == framesSeen, "\(inside) of \(framesSeen) innermost user frames inside a recorded mapping; outside: \(outside); vdso \(vdso.map { String($0.lowerBound, radix: 16) } ?? "none")")
        let ids = Set(myMaps.map { maps.bytes("build_id", $0) }.filter { !$0.isEmpty })
        #expect(!ids.isEmpty)
        var symbolTables = 0
        for id in ids {
            let name = MetadataName.elfSymbolsPrefix + id.map { String(format: "%02x", $0) }.joined()
            if let blob = try file.metadata(named: name) {
                let text = String(decoding: blob, as: UTF8.self)
                #expect(text.hasPrefix("# bpfrec elf_symbols 1\n"))
                if text.contains("\nsym ") { symbolTables += 1 }
            }
        }
        #expect(symbolTables > 0, "no elf_symbols for \(ids.count) build-ids")

        let off = try Rows(file, "offcpu_stack")
        let sleeps = off.rows(where: "tid", is: tid)
        #expect(sleeps.count >= 20, "\(sleeps.count) off-CPU stacks")
        for r in sleeps {
            let k = off.bytes("kstack", r)
            #expect(k.count >= 16 && k.count % 8 == 0)
            if k.count >= 8 {
                let ip = k.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                #expect(ip >= 0xffff_8000_0000_0000, "kernel address \(String(ip, radix: 16))")
            }
            #expect(off.int("state", r) & 0xff != 0)
        }
        #expect(try Rows(file, "lost_events").count == 0)
    }
}

/// A process that execs keeps its pid and gets new maps: the recorder reads them again, and
/// the user frames of its off-CPU stacks before and after the exec are named from its own
/// program's maps (libc's wait in sh, then nanosleep in sleep). Recorded with -p, which keeps
/// the symbol extraction to this test's processes.
extension RecorderTests {
    @Test func execReadsTheNewMaps() throws {
        let path = Harness.tempPath("stacks-exec")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc,stacks", "-p", "\(getpid())", "--flush-interval", "100", "--symbol-grace", "120"])
        #expect(rec.waitReady())
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        // sh waits for one sleep (forked), then becomes another (exec): same pid, new program.
        child.arguments = ["-c", "/bin/sleep 0.4; exec /bin/sleep 0.6"]
        try child.run()
        child.waitUntilExit()
        usleep(300_000)
        let (status, err) = rec.stop()
        #expect(status == 0, "\(err)")

        let pid = Int64(child.processIdentifier)
        let file = try TraceFile(path: path)
        let maps = try Rows(file, "process_maps")
        let readings = Set(maps.rows(where: "pid", is: pid).map { maps.int("ts", $0) })
        #expect(readings.count >= 2, "maps of \(pid) read \(readings.count) times")

        let recording = try Recording(path: path)
        let syms = try #require(try UserSymbols.load(recording))
        let off = try Rows(file, "offcpu_stack")
        var names: [String: Set<String>] = [:]
        for r in off.rows(where: "pid", is: pid) {
            let u = off.bytes("ustack", r)
            guard u.count >= 8 else { continue }
            let ip = u.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let name = syms.name(pid: pid, address: ip, at: off.int("ts", r)) ?? "[unknown]"
            names[off.string("comm", r), default: []].insert(name)
        }
        #expect(names["sh"]?.contains { $0.contains("wait") } == true, "\(names)")
        #expect(names["sleep"]?.contains { $0.contains("nanosleep") } == true, "\(names)")

        // -p applies to the sampler too, as to profile -p: only this process and its descendants.
        let samples = try Rows(file, "cpu_sample"), forks = try Rows(file, "process_fork")
        let ours = Set([Int64(getpid())] + (0..<forks.count).map { forks.int("child_pid", $0) })
        let others = (0..<samples.count).filter { !ours.contains(samples.int("pid", $0)) }
        #expect(others.isEmpty, "\(others.count) of \(samples.count) cpu samples from other processes")
    }
}

enum HostClock {
    /// CPU time of the calling thread, in seconds.
    static func threadCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
