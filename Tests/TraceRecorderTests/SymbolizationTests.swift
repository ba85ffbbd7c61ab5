import Foundation
import Glibc
import Testing
import TraceFormat
import TraceTestSupport

/// Symbols captured at record time for processes that are gone before the recording ends:
/// - a stripped binary whose function names live only in its separate debug file, found by
///   `.gnu_debuglink` in `<dir>/.debug/` and by build-id under /usr/lib/debug/.build-id;
/// - code a "JIT" generated in an anonymous RWX page, named by /tmp/perf-<pid>.map, which is
///   deleted after the process exits and before the recording stops (so it was read at exit).
extension RecorderTests {
    /// Compiles `source` into `dir/name` with frame pointers (the sampler walks them).
    static func compile(_ source: String, _ name: String, in dir: String, flags: [String] = []) throws -> String {
        try source.write(toFile: "\(dir)/\(name).c", atomically: true, encoding: .utf8)
        let r = try runBinary("/usr/bin/cc", ["-g", "-O0", "-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer"] + flags + ["-o", "\(dir)/\(name)", "\(dir)/\(name).c"])
        try #require(r.status == 0, "cc \(name).c: \(r.stderr)")
        return "\(dir)/\(name)"
    }

    static func tool(_ argv: String...) throws -> String {
        let r = try runBinary(argv[0], Array(argv.dropFirst()))
        try #require(r.status == 0, "\(argv.joined(separator: " ")): \(r.stderr)")
        return r.stdout
    }

    /// `profile -f -U -p PID`: (samples whose innermost user frame is `name`, all samples).
    static func innermost(_ name: String, pid: pid_t, in path: String, bpfan: String) throws -> (named: Int, all: Int, text: String) {
        let out = try runBinary(bpfan, ["profile", "-f", "-U", "-p", "\(pid)", path])
        try #require(out.status == 0, "\(out.stderr)")
        var named = 0, all = 0
        for line in out.stdout.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let n = Int(line[line.index(after: space)...]) else { continue }
            all += n
            if line[..<space].split(separator: ";").last.map(String.init) == name { named += n }
        }
        return (named, all, out.stdout)
    }

    /// The recording's metadata bytes under `prefix` (the cost of what this change records).
    static func metadataBytes(_ path: String, prefix: String) throws -> Int {
        let file = try TraceFile(path: path)
        return try file.metadataNames.filter { $0.hasPrefix(prefix) }.reduce(0) { $0 + (try file.metadata(named: $1)?.count ?? 0) }
    }

    @Test func debugFilesNameStrippedBinariesAfterExit() throws {
        let bpfan = try #require(Harness.builtBinary("bpfan"), "bpfan binary not found next to the test bundle")
        let dir = SymbolFileTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Two programs (distinct build-ids), each spinning 0.8 s in a static function that only
        // its debug file names: neither .symtab (stripped) nor .dynsym (static) has it.
        func source(_ fn: String) -> String {
            """
            #include <time.h>
            static volatile unsigned long sink;
            __attribute__((noinline)) static void \(fn)(double seconds) {
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                do {
                    for (int i = 0; i < 200000; i++) sink += i;
                    clock_gettime(CLOCK_MONOTONIC, &b);
                } while ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9 < seconds);
            }
            int main(void) { \(fn)(0.8); return 0; }
            """
        }
        try FileManager.default.createDirectory(atPath: dir + "/.debug", withIntermediateDirectories: true)
        let linked = try Self.compile(source("linked_only_in_debug"), "linked", in: dir)
        _ = try Self.tool("/usr/bin/objcopy", "--only-keep-debug", linked, dir + "/.debug/linked.debug")
        _ = try Self.tool("/usr/bin/strip", "-s", linked)
        _ = try Self.tool("/usr/bin/objcopy", "--add-gnu-debuglink=" + dir + "/.debug/linked.debug", linked)

        let byID = try Self.compile(source("build_id_only_in_debug"), "byid", in: dir)
        let note = try Self.tool("/usr/bin/readelf", "-n", byID)
        let id = try #require(note.split(separator: "\n").first { $0.contains("Build ID:") }?.split(separator: " ").last.map(String.init))
        let idDir = "/usr/lib/debug/.build-id/" + id.prefix(2)
        let createdDir = !FileManager.default.fileExists(atPath: idDir)
        let idFile = "\(idDir)/\(id.dropFirst(2)).debug"
        try FileManager.default.createDirectory(atPath: idDir, withIntermediateDirectories: true)
        defer {
            unlink(idFile)
            if createdDir { rmdir(idDir) }
        }
        _ = try Self.tool("/usr/bin/objcopy", "--only-keep-debug", byID, idFile)
        _ = try Self.tool("/usr/bin/strip", "-s", byID)
        for (binary, fn) in [(linked, "linked_only_in_debug"), (byID, "build_id_only_in_debug")] {
            let symbols = try Self.tool("/usr/bin/nm", "-a", binary) + (try runBinary("/usr/bin/nm", ["-D", binary]).stdout)
            try #require(!symbols.contains(fn), "\(binary) still names \(fn) itself")
        }

        let path = Harness.tempPath("debugfile")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc,stacks", "-p", "\(getpid())", "--stack-freq", "99",
                                                          "--flush-interval", "100", "--symbol-grace", "120"])
        #expect(rec.waitReady(), "recorder did not start")
        var pids: [pid_t] = []
        for binary in [linked, byID] {
            let child = spawn(binary, [binary])
            try #require(child.rc == 0, "posix_spawn \(binary): \(child.rc)")
            #expect(waitStatus(child.pid) == 0)
            pids.append(child.pid)
        }
        usleep(300_000)
        let (status, err) = rec.stop()
        #expect(status == 0, "\(err)")

        for (pid, fn) in zip(pids, ["linked_only_in_debug", "build_id_only_in_debug"]) {
            let r = try Self.innermost(fn, pid: pid, in: path, bpfan: bpfan)
            print("debug file: \(r.named) of \(r.all) samples of pid \(pid) in \(fn)")
            // The spin is nearly all of each program's CPU time; the rest is exec, ld.so and
            // the vDSO's clock_gettime (no file, so unnamed).
            #expect(r.all >= 20 && Double(r.named) >= 0.7 * Double(r.all), "\(fn): \(r.named) of \(r.all) samples\n\(r.text.prefix(1500))")
        }
        let file = try TraceFile(path: path)
        var sources: [String] = []
        var fromDebugFiles = 0
        for name in file.metadataNames where name.hasPrefix(MetadataName.elfSymbolsPrefix) {
            let text = String(decoding: try file.metadata(named: name) ?? [], as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("debug_file ") }) {
                sources.append(String(line))
                fromDebugFiles += text.utf8.count
            }
        }
        #expect(sources.contains("debug_file \(dir)/.debug/linked.debug"), "\(sources)")
        #expect(sources.contains("debug_file \(idFile)"), "\(sources)")
        print("elf_symbols metadata: \(try Self.metadataBytes(path, prefix: MetadataName.elfSymbolsPrefix)) bytes uncompressed, \(fromDebugFiles) of them in the \(sources.count) tables named from debug files: \(sources)")
    }

    @Test func perfMapNamesJITCodeOfAnExitedProcess() throws {
        let bpfan = try #require(Harness.builtBinary("bpfan"), "bpfan binary not found next to the test bundle")
        let dir = SymbolFileTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // An x86-64 `jmp .` (EB FE) in an RWX page, named in the perf map as a JIT would
        // (one line with 0x, one without, one for code never run); alarm(1) ends it.
        let jit = try Self.compile("""
            #include <signal.h>
            #include <stdio.h>
            #include <string.h>
            #include <sys/mman.h>
            #include <unistd.h>
            static void done(int sig) { (void)sig; _exit(0); }
            int main(void) {
                unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (page == MAP_FAILED) return 2;
                memset(page, 0xcc, 4096);
                page[0x40] = 0xeb;
                page[0x41] = 0xfe;
                char path[64];
                snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
                FILE *f = fopen(path, "w");
                if (!f) return 3;
                fprintf(f, "%lx 40 jit_prologue\\n0x%lx 0x10 jit_spin_loop\\n%lx 100 jit_never_run\\n",
                        (unsigned long)page, (unsigned long)page + 0x40, (unsigned long)page + 0x800);
                fclose(f);
                signal(SIGALRM, done);
                alarm(1);
                ((void (*)(void))(page + 0x40))();
                return 4;
            }
            """, "jit", in: dir)
        let path = Harness.tempPath("perfmap")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc,stacks", "-p", "\(getpid())", "--stack-freq", "99",
                                                          "--flush-interval", "100", "--symbol-grace", "120"])
        #expect(rec.waitReady(), "recorder did not start")
        let child = spawn(jit, [jit])
        try #require(child.rc == 0, "posix_spawn \(jit): \(child.rc)")
        let mapFile = "/tmp/perf-\(child.pid).map"
        defer { unlink(mapFile) }
        let exitStatus = waitStatus(child.pid)
        #expect(exitStatus == 0, "jit exited with status \(exitStatus)")
        #expect(FileManager.default.fileExists(atPath: mapFile))
        // The recorder drains every ~20 ms: well after the exit, the map is taken away, so only
        // a read at the exit can have recorded it.
        usleep(600_000)
        unlink(mapFile)
        usleep(200_000)
        let (status, err) = rec.stop()
        #expect(status == 0, "\(err)")

        let file = try TraceFile(path: path)
        let exits = try Rows(file, "process_exit")
        let exitTimes = exits.rows(where: "pid", is: Int64(child.pid)).filter { exits.int("group_dead", $0) == 1 }.map { exits.int("ts", $0) }
        let info = try #require(try file.metadata(named: MetadataName.recording).flatMap { try JSONDecoder().decode(RecordingInfo.self, from: Data($0)) })
        let stop = try #require(info.stopTime)
        #expect(exitTimes.count == 1 && exitTimes[0] < stop - 500_000_000, "exit at \(exitTimes), recording stopped at \(stop)")
        let map = try #require(try file.metadata(named: MetadataName.perfMapPrefix + "\(child.pid)"), "no perf_map/\(child.pid) in the recording")
        #expect(String(decoding: map, as: UTF8.self).contains(" jit_spin_loop\n"))

        let r = try Self.innermost("jit_spin_loop", pid: child.pid, in: path, bpfan: bpfan)
        print("perf map: \(r.named) of \(r.all) samples in jit_spin_loop; perf_map metadata \(map.count) bytes; all perf maps \(try Self.metadataBytes(path, prefix: MetadataName.perfMapPrefix)) bytes")
        // About 1 s of spinning at 99 Hz against a few ms of exec and startup.
        #expect(r.all >= 50 && Double(r.named) >= 0.9 * Double(r.all), "\(r.named) of \(r.all)\n\(r.text.prefix(1500))")
        #expect(!r.text.contains("jit_never_run") && !r.text.contains("jit_prologue"))

        // The flame graph draws the JIT frame in the JIT (green) palette.
        let svg = try runBinary(bpfan, ["profile", "-U", "-p", "\(child.pid)", "--svg", "-", path])
        #expect(svg.status == 0, "\(svg.stderr)")
        let doc = try SVGDocument(svg.stdout)
        let frame = try #require(doc.frames.first { $0.name == "jit_spin_loop" }, "no jit_spin_loop frame in the flame graph")
        #expect(frame.kind == "jit", "jit_spin_loop drawn as \(frame.kind ?? "nil") in \(frame.fill)")
    }
}
