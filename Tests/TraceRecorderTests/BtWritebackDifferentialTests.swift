import Foundation
import Glibc
import Testing
import TraceTestSupport

/// writeback.bt over the generic capture against live bpftrace 0.17 on one run: bpftrace's
/// /usr/sbin/writeback.bt runs live beside `bpfrec record -e
/// writeback:writeback_start -e writeback:writeback_written`, then the shipped `bpfan writeback.bt`
/// over the recording. The workload writes files on a fresh ext4 on a private loop device and
/// syncs (sync(2)) three times: the flusher's writeback of that device (its bdi, MAJOR:MINOR)
/// is only the workload's. Its lines must be the same in DEVICE, PAGES and REASON, in order;
/// TIME is left out (live bpftrace prints the wall clock when its reader gets the event). ms is
/// the span between each side's own clock reads at the two events: the live copy also prints
/// its two reads per line, a bt program prints the recording's, and each side's ms must be its
/// own span exactly, with the recording's reads at or after live's (bpftrace's programs run
/// first): the difference is each event's clock order, measured, not an allowance (one of six
/// runs under load exceeded the 100 us the test allowed before).
extension RecorderTests {
    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/bin/bpftrace", X_OK) == 0 && access("/usr/sbin/writeback.bt", R_OK) == 0
                   && access("/usr/sbin/losetup", X_OK) == 0 && access("/usr/sbin/mkfs.ext4", X_OK) == 0,
                   "needs bpftrace and its writeback.bt, losetup, mkfs.ext4 and the bpfan binary built next to the tests"))
    func writebackMatchesLiveBpftrace() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("bt-wb")
        mkdir(dir, 0o755)
        defer { if ProcessInfo.processInfo.environment["BPFREC_KEEP"] == nil { _ = try? FileManager.default.removeItem(atPath: dir) } }
        let image = dir + "/fs.img", mnt = dir + "/mnt"
        let fd = open(image, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        ftruncate(fd, 64 << 20)
        close(fd)
        let device = try #require(run("losetup", ["-f", "--show", image])?.trimmingCharacters(in: .whitespacesAndNewlines), "losetup failed")
        defer { _ = run("losetup", ["-d", device]) }
        // Inode tables and journal written now, not by ext4lazyinit during the run.
        try #require(run("mkfs.ext4", ["-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", device]) != nil, "mkfs.ext4 \(device) failed")
        mkdir(mnt, 0o755)
        try #require(mount(device, mnt, "ext4", 0, nil) == 0, "mount \(device): errno \(errno)")
        defer { _ = umount2(mnt, 0) }
        var st = stat()
        try #require(stat(device, &st) == 0)
        let bdi = "\((st.st_rdev >> 8) & 0xfff | (st.st_rdev >> 32) & ~0xfff):\(st.st_rdev & 0xff | (st.st_rdev >> 12) & ~0xff)"

        let text = try String(contentsOfFile: "/usr/sbin/writeback.bt", encoding: .utf8)
        // Its two clock reads per line too ("clocks DEVICE START END", 4 fields: not a row); the
        // end's read is taken once, for ms and the clocks line (nsecs reads the clock each time).
        let lat = "\t$lat = $s ? (nsecs - $s) / 1000 : 0;\n"
        let clocked = text.replacingOccurrences(of: "BEGIN\n{\n", with: "BEGIN\n{\n\tprintf(\"ready\\n\");\n")
            .replacingOccurrences(of: lat, with: "\t$now = nsecs;\n\t$lat = $s ? ($now - $s) / 1000 : 0;\n\tprintf(\"clocks %s %llu %llu\\n\", args->name, $s, $now);\n")
        try #require(clocked.contains("clocks %s"), "writeback.bt changed: no '$lat = ...' line to take the clock read from")
        try clocked.write(toFile: dir + "/writeback.bt", atomically: true, encoding: .utf8)
        let live = ["writeback": try SpawnedProcess(["/usr/bin/bpftrace", dir + "/writeback.bt"], out: dir + "/writeback.live", err: dir + "/writeback.err")]
        try Self.waitReady(live)
        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "none", "-e", "writeback:writeback_start", "-e", "writeback:writeback_written", "--flush-interval", "200"])
        #expect(rec.waitReady())
        // Its programs are attached by now (its ready line), not at the recording's start time,
        // which is taken before they attach: a writeback may start between the two, unseen.
        let attached = monotonicNow()

        let chunk = [UInt8](repeating: 0x5a, count: 1 << 20)
        for k in 0..<3 {
            let f = open(mnt + "/f\(k)", O_CREAT | O_WRONLY | O_TRUNC, 0o600)
            try #require(f >= 0)
            for _ in 0..<(k + 1) { _ = chunk.withUnsafeBytes { write(f, $0.baseAddress, $0.count) } }
            close(f)
            // sync(2): the flusher writes back every device, this one's pages included
            // (Glibc's syncfs is not imported).
            sync()
        }
        Self.stopLive(live, rec)

        let offline = try runBinary(bpfan, ["writeback.bt", path])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(!offline.stderr.contains("lost"), "\(offline.stderr)")
        // TIME DEVICE PAGES REASON ms, of the loop device.
        func rows(_ text: String) -> [[String]] {
            text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.filter { $0.count == 5 && $0[1] == bdi }
        }
        func micros(_ s: String) -> Int64 { Int64(s.replacingOccurrences(of: ".", with: "")) ?? -1 }
        func clocks(_ text: String) -> [(start: Int64, end: Int64)] {
            var out: [(start: Int64, end: Int64)] = []
            for line in text.split(separator: "\n") {
                let f = line.split(separator: " ").map(String.init)
                guard f.count == 4, f[0] == "clocks", f[1] == bdi, let start = Int64(f[2]), let end = Int64(f[3]) else { continue }
                out.append((start, end))
            }
            return out
        }
        // Live bpftrace prints each CPU's perf buffer as it reads it, not in time order: two
        // writebacks ending close together on two CPUs can come out swapped. Each line's own
        // clock line comes just before it from the same probe, so the pairs are put in the
        // order of their end clocks (the recording's lines are in time order already).
        let liveText = live["writeback"]!.output
        let l0 = rows(liveText), lc0 = clocks(liveText)
        try #require(l0.count == lc0.count, "live: \(l0.count) lines, \(lc0.count) clock lines")
        let liveOrder = lc0.indices.sorted { lc0[$0].end < lc0[$1].end }
        let l = liveOrder.map { l0[$0] }, o = rows(offline.stdout)
        #expect(!l.isEmpty, "live printed nothing of \(bdi): \(live["writeback"]!.output.prefix(2000))")
        #expect(o.map { Array($0[1...3]) } == l.map { Array($0[1...3]) }, "live \(l) / bpfan \(o)")
        #expect(offline.stdout.hasPrefix("Attaching 4 probes...\nTracing writeback... Hit Ctrl-C to end.\nTIME      DEVICE   PAGES    REASON           ms\n"), "\(offline.stdout.prefix(300))")
        // ms: each side's span between its own clock reads at the two events (bpftrace's
        // programs attached before the recorder's, so both of its reads come first).
        let recorded = try runBinary(bpfan, ["bt", "-e", """
            BEGIN { printf("begin %llu\\n", nsecs); }
            t:writeback:writeback_start { @start[args->sb_dev] = nsecs; }
            t:writeback:writeback_written { $s = @start[args->sb_dev]; delete(@start[args->sb_dev]); printf("clocks %s %llu %llu\\n", args->name, $s, nsecs); }
            END { clear(@start); }
            """, path])
        let lc = liveOrder.map { lc0[$0] }, rc = clocks(recorded.stdout)
        try #require(lc.count == l.count && rc.count == o.count, "clock lines: live \(lc.count) of \(l.count), recording \(rc.count) of \(o.count); \(recorded.stderr)")
        let begin = recorded.stdout.split(separator: "\n").first { $0.hasPrefix("begin ") }.flatMap { Int64($0.dropFirst(6)) } ?? Int64.max
        var skews: [Int64] = []
        for i in 0..<min(l.count, o.count) {
            // Each side's ms is its own span (0 where no start was seen), truncated to us.
            func span(_ c: (start: Int64, end: Int64)) -> Int64 { c.start == 0 ? 0 : (c.end - c.start) / 1000 }
            #expect(micros(l[i][4]) == span(lc[i]), "live line \(i): \(l[i]) against its clocks \(lc[i])")
            #expect(micros(o[i][4]) == span(rc[i]), "bpfan line \(i): \(o[i]) against the recording's \(rc[i])")
            // The recorder's programs ran after bpftrace's on both events.
            if rc[i].start == 0 && lc[i].start != 0 {
                // A writeback that began after bpftrace attached and before the recorder's
                // programs did: bpfan has no start, and prints 0 as writeback.bt does without
                // one. Seen once 2.0 ms after the recording's start time (`begin`, taken before
                // the attach), so the bound is the recorder's ready line.
                #expect(lc[i].start < attached, "line \(i): live's start \(lc[i].start) is after the recorder attached (by \(attached); recording from \(begin)), which has none")
            } else if lc[i].start != 0 {
                #expect(rc[i].start >= lc[i].start, "line \(i): recorded start \(rc[i].start) before live's \(lc[i].start)")
            }
            #expect(rc[i].end >= lc[i].end, "line \(i): recorded end \(rc[i].end) before live's \(lc[i].end)")
            skews.append(micros(o[i][4]) - micros(l[i][4]))
        }
        print("writeback.bt: \(l.count) lines of \(bdi); bpfan ms - live ms in us, each its events' clock order: \(skews)")
    }
}
