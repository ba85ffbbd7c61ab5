import Foundation
import Glibc
import Testing
import TraceTestSupport
@testable import TraceRecorder

/// The recorder's readers of symbol files, on files made here (no root, no BPF): the
/// `.gnu_debuglink` section and CRC of real `objcopy` output, the debug file search order,
/// and the checks on a perf map before a root recorder reads it.
@Suite struct SymbolFileTests {
    /// A tiny program built and split as distributions do; nil when cc/objcopy are missing.
    static func splitProgram(in dir: String) throws -> (binary: String, debug: String)? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/cc"), FileManager.default.isExecutableFile(atPath: "/usr/bin/objcopy") else { return nil }
        try "int x;\nint main(void) { return x; }\n".write(toFile: dir + "/a.c", atomically: true, encoding: .utf8)
        for argv in [["/usr/bin/cc", "-g", "-o", dir + "/a", dir + "/a.c"], ["/usr/bin/objcopy", "--only-keep-debug", dir + "/a", dir + "/a.debug"],
                     ["/usr/bin/strip", "-s", dir + "/a"], ["/usr/bin/objcopy", "--add-gnu-debuglink=" + dir + "/a.debug", dir + "/a"]] {
            let r = try runBinary(argv[0], Array(argv.dropFirst()))
            try #require(r.status == 0, "\(argv.joined(separator: " ")): \(r.stderr)")
        }
        return (dir + "/a", dir + "/a.debug")
    }

    static func tempDir() -> String {
        var template = Array("/tmp/bpfrec-symfile-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    @Test func debugLinkAndCRCMatchObjcopy() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard let (binary, debug) = try Self.splitProgram(in: dir) else { return }
        // objcopy wrote the name and the CRC-32 of a.debug; ours must agree on both.
        let section = try runBinary("/usr/bin/objcopy", ["--dump-section", ".gnu_debuglink=\(dir)/link", binary, "\(dir)/copy"])
        try #require(section.status == 0, "\(section.stderr)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/link")))
        let link = try #require(bytes.withUnsafeBytes { DebugFile.Link($0) })
        #expect(link.name == "a.debug")
        #expect(DebugFile.crc32(path: debug) == link.crc)
        #expect(DebugFile.crc32(Array("123456789".utf8)) == 0xcbf4_3926)
        // The stripped binary names its symbols only through the debug file.
        let syms = try #require(ElfSymbols.read(path: binary))
        let text = String(decoding: syms.text, as: UTF8.self)
        #expect(text.contains("\ndebug_file \(debug)\n"), "\(text.prefix(400))")
        #expect(text.contains(" main\n"))
        // A debug file of another build (same name, other CRC) is not used.
        try "int y = 1;\nint main(void) { return y; }\n".write(toFile: dir + "/b.c", atomically: true, encoding: .utf8)
        #expect(try runBinary("/usr/bin/cc", ["-g", "-o", dir + "/b", dir + "/b.c"]).status == 0)
        #expect(try runBinary("/usr/bin/objcopy", ["--only-keep-debug", dir + "/b", debug]).status == 0)
        let other = String(decoding: try #require(ElfSymbols.read(path: binary)).text, as: UTF8.self)
        #expect(!other.contains("debug_file"), "\(other.prefix(400))")
    }

    @Test func linksWithPathsAreRefused() {
        for bad in ["../../etc/x\0\0\0\0\0\0\0\0", "a/b\0\u{1}\u{2}\u{3}\u{4}", "\0\0\0\0\0\0\0\0", "abc"] {
            let bytes = Array(bad.utf8)
            #expect(bytes.withUnsafeBytes { DebugFile.Link($0) } == nil, "\(bad)")
        }
    }

    @Test func debugFilesAreSearchedInGdbsOrder() {
        let c = DebugFile.candidates(mapped: "/opt/app/bin/app", buildID: [0xab, 0xcd, 0xef], link: DebugFile.Link(name: "app.debug", crc: 7))
        #expect(c == [DebugFile.Candidate(path: "/usr/lib/debug/.build-id/ab/cdef.debug", crc: nil),
                      DebugFile.Candidate(path: "/opt/app/bin/app.debug", crc: 7),
                      DebugFile.Candidate(path: "/opt/app/bin/.debug/app.debug", crc: 7),
                      DebugFile.Candidate(path: "/usr/lib/debug/opt/app/bin/app.debug", crc: 7)])
        // A link naming the file itself is not a candidate.
        #expect(DebugFile.candidates(mapped: "/bin/app", buildID: [], link: DebugFile.Link(name: "app", crc: 1)).map(\.path)
                == ["/bin/.debug/app", "/usr/lib/debug/bin/app"])
    }

    @Test func perfMapChecks() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let map = dir + "/perf-1.map"
        try "1000 10 one\n2000 10 two\n".write(toFile: map, atomically: true, encoding: .utf8)
        var warnings: [String] = []
        let me = getuid()
        #expect(PerfMaps.read(path: map, owner: me) { warnings.append($0) } == Array("1000 10 one\n2000 10 two\n".utf8))
        #expect(warnings.isEmpty)
        // Another owner, a symbolic link, a FIFO (never blocks): refused, each with its reason.
        #expect(PerfMaps.read(path: map, owner: me &+ 1) { warnings.append($0) } == nil)
        #expect(warnings.last?.contains("owned by uid \(me)") == true, "\(warnings)")
        symlink(map, dir + "/link.map")
        #expect(PerfMaps.read(path: dir + "/link.map", owner: me) { warnings.append($0) } == nil)
        #expect(warnings.last?.contains("symbolic link") == true, "\(warnings)")
        mkfifo(dir + "/fifo.map", 0o600)
        #expect(PerfMaps.read(path: dir + "/fifo.map", owner: me) { warnings.append($0) } == nil)
        #expect(warnings.last?.contains("not a regular file") == true, "\(warnings)")
        // Absent: nothing to say.
        let before = warnings.count
        #expect(PerfMaps.read(path: dir + "/none.map", owner: me) { warnings.append($0) } == nil)
        #expect(warnings.count == before)
        // Beyond the cap: whole lines of the first `limit` bytes, and a warning.
        #expect(PerfMaps.read(path: map, owner: me, limit: 16) { warnings.append($0) } == Array("1000 10 one\n".utf8))
        #expect(warnings.last?.contains("larger than") == true, "\(warnings)")

        // What a read at exit costs for a large JIT map (20,000 symbols, about 1 MB).
        let big = dir + "/perf-2.map"
        let lines = (0..<20_000).map { "\(String(0x7f00_0000_0000 + $0 * 0x40, radix: 16)) 40 LazyCompile:*function_\($0) /srv/app/lib/module.js:\($0)\n" }.joined()
        try lines.write(toFile: big, atomically: true, encoding: .utf8)
        var t0 = timespec(), t1 = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t0)
        let read = PerfMaps.read(path: big, owner: me) { warnings.append($0) }
        clock_gettime(CLOCK_MONOTONIC, &t1)
        #expect(read?.count == lines.utf8.count)
        print("perf map read: \(lines.utf8.count) bytes in \(Double(t1.tv_sec - t0.tv_sec) * 1e3 + Double(t1.tv_nsec - t0.tv_nsec) / 1e6) ms")
    }
}
