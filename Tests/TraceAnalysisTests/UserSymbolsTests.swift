import TraceTestSupport
import Testing
import TraceFormat
@testable import TraceAnalysis

/// pid 100 runs sh (maps read at 0.01), execs app at 0.02 (maps read again at 0.03): each
/// sample is named with its own program's maps, never with the other's.
@Test func userFramesUseTheMapsOfTheirExecGeneration() throws {
    let s = SyntheticRecording()
    func ns(_ t: Double) -> ColumnValue { .u64(UInt64(t * 1e9)) }
    s.add("process_maps", ["ts": ns(0.01), "pid": 100, "start": 0x400000, "end": 0x500000, "offset": 0,
                           "path": "/bin/sh", "build_id": .bytes([0xaa])])
    s.add("process_exec", ["ts": ns(0.02), "pid": 100, "tid": 100, "ret": 0, "comm": "app", "filename": "/usr/bin/app"])
    s.add("process_exec", ["ts": ns(0.04), "pid": 100, "tid": 100, "ret": -2, "comm": "app", "filename": "/nonexistent"])
    s.add("process_maps", ["ts": ns(0.03), "pid": 100, "start": 0x600000, "end": 0x700000, "offset": 0,
                           "path": "/usr/bin/app", "build_id": .bytes([0xcc])])
    s.metadata[MetadataName.elfSymbolsPrefix + "aa"] = Array("load 0 400000 100000\nsym 401000 100 sh_wait\n".utf8)
    s.metadata[MetadataName.elfSymbolsPrefix + "cc"] = Array("load 0 600000 100000\nsym 601000 100 app_main\n".utf8)
    let rec = try Recording(path: try s.write())
    let syms = try #require(try UserSymbols.load(rec))
    let before: Int64 = 15_000_000, after: Int64 = 100_000_000
    #expect(syms.name(pid: 100, address: 0x401010, at: before) == "sh_wait")
    #expect(syms.name(pid: 100, address: 0x601010, at: before) == nil)
    #expect(syms.name(pid: 100, address: 0x601010, at: after) == "app_main")
    // The old program's maps would name this address; after the exec they are not its maps.
    #expect(syms.name(pid: 100, address: 0x401010, at: after) == nil)
    // A failed exec (ret -2 at 0.04) changes nothing.
    #expect(syms.name(pid: 100, address: 0x601010, at: 50_000_000) == "app_main")
    #expect(syms.name(pid: 101, address: 0x601010, at: after) == nil)
}

/// A child forked by pid 100 (before its exec) and gone before its own maps were read runs sh
/// with sh's maps; a child forked after the exec runs app; one that exec'd has none known.
@Test func aForkedChildUsesItsParentsMapsUntilItExecs() throws {
    let s = SyntheticRecording()
    func ns(_ t: Double) -> ColumnValue { .u64(UInt64(t * 1e9)) }
    s.add("process_maps", ["ts": ns(0.01), "pid": 100, "start": 0x400000, "end": 0x500000, "offset": 0,
                           "path": "/bin/sh", "build_id": .bytes([0xaa])])
    s.add("process_fork", ["ts": ns(0.012), "pid": 100, "tid": 100, "child_pid": 200, "child_tid": 200])
    s.add("process_exec", ["ts": ns(0.02), "pid": 100, "tid": 100, "ret": 0, "comm": "app", "filename": "/usr/bin/app"])
    s.add("process_maps", ["ts": ns(0.03), "pid": 100, "start": 0x600000, "end": 0x700000, "offset": 0,
                           "path": "/usr/bin/app", "build_id": .bytes([0xcc])])
    s.add("process_fork", ["ts": ns(0.05), "pid": 100, "tid": 100, "child_pid": 300, "child_tid": 300])
    s.add("process_exec", ["ts": ns(0.06), "pid": 300, "tid": 300, "ret": 0, "comm": "other", "filename": "/usr/bin/other"])
    s.metadata[MetadataName.elfSymbolsPrefix + "aa"] = Array("load 0 400000 100000\nsym 401000 100 sh_wait\n".utf8)
    s.metadata[MetadataName.elfSymbolsPrefix + "cc"] = Array("load 0 600000 100000\nsym 601000 100 app_main\n".utf8)
    let syms = try #require(try UserSymbols.load(try Recording(path: try s.write())))
    #expect(syms.name(pid: 200, address: 0x401010, at: 40_000_000) == "sh_wait")
    #expect(syms.name(pid: 200, address: 0x601010, at: 40_000_000) == nil)
    #expect(syms.name(pid: 300, address: 0x601010, at: 55_000_000) == "app_main")
    #expect(syms.name(pid: 300, address: 0x601010, at: 70_000_000) == nil)
    // Loading only the child's maps keeps its parent's, which it uses.
    let child = try #require(try UserSymbols.load(try Recording(path: try s.write()), pids: [200]))
    #expect(child.name(pid: 200, address: 0x401010, at: 40_000_000) == "sh_wait")
}

/// With `pids`, only those processes' maps are kept and only the symbol tables they map are
/// parsed; the names they give are the same.
@Test func userSymbolsLoadOnlyThePrintedProcesses() throws {
    let s = SyntheticRecording()
    s.add("process_maps", ["ts": .u64(10), "pid": 100, "start": 0x400000, "end": 0x500000, "offset": 0,
                           "path": "/bin/sh", "build_id": .bytes([0xaa])])
    s.add("process_maps", ["ts": .u64(10), "pid": 200, "start": 0x600000, "end": 0x700000, "offset": 0,
                           "path": "/usr/bin/app", "build_id": .bytes([0xcc])])
    s.metadata[MetadataName.elfSymbolsPrefix + "aa"] = Array("load 0 400000 100000\nsym 401000 100 sh_wait\n".utf8)
    s.metadata[MetadataName.elfSymbolsPrefix + "cc"] = Array("load 0 600000 100000\nsym 601000 100 app_main\n".utf8)
    let rec = try Recording(path: try s.write())
    let all = try #require(try UserSymbols.load(rec))
    let one = try #require(try UserSymbols.load(rec, pids: [100]))
    #expect(Set(all.images.keys) == ["aa", "cc"])
    #expect(Set(one.images.keys) == ["aa"])
    #expect(one.name(pid: 100, address: 0x401010, at: 20) == "sh_wait")
    #expect(all.name(pid: 100, address: 0x401010, at: 20) == "sh_wait")
    #expect(one.name(pid: 200, address: 0x601010, at: 20) == nil)
    #expect(all.name(pid: 200, address: 0x601010, at: 20) == "app_main")
}

/// JIT code: addresses that no file-backed mapping holds are named from the pid's perf map
/// (perf's `START SIZE name`, hex with or without 0x, names with spaces); a range listed
/// again keeps its last name; an address in a mapped file is never named from the map.
@Test func perfMapNamesAnonymousCode() throws {
    let s = SyntheticRecording()
    func ns(_ t: Double) -> ColumnValue { .u64(UInt64(t * 1e9)) }
    s.add("process_maps", ["ts": ns(0.01), "pid": 100, "start": 0x400000, "end": 0x500000, "offset": 0,
                           "path": "/usr/bin/node", "build_id": .bytes([0xaa])])
    s.metadata[MetadataName.elfSymbolsPrefix + "aa"] = Array("load 0 400000 100000\nsym 401000 100 main\n".utf8)
    s.metadata[MetadataName.perfMapPrefix + "100"] = Array("""
        7f0000001000 40 LazyCompile:*fib app.js:1
        0x7f0000002000 0x20 old_stub
        7f0000002000 10 new_stub
        not a line
        400000 1000 shadowed_by_the_file
        7f0000003000 0 empty\n
        """.utf8)
    let syms = try #require(try UserSymbols.load(try Recording(path: try s.write())))
    let t: Int64 = 20_000_000
    #expect(syms.name(pid: 100, address: 0x7f00_0000_1000, at: t) == "LazyCompile:*fib app.js:1")
    #expect(syms.symbol(pid: 100, address: 0x7f00_0000_103f, at: t).map { $0.offset } == 0x3f)
    #expect(syms.name(pid: 100, address: 0x7f00_0000_1040, at: t) == nil)
    #expect(syms.name(pid: 100, address: 0x7f00_0000_2008, at: t) == "new_stub")
    #expect(syms.name(pid: 100, address: 0x7f00_0000_2010, at: t) == nil)
    #expect(syms.name(pid: 100, address: 0x7f00_0000_3000, at: t) == nil)
    #expect(syms.name(pid: 100, address: 0x401010, at: t) == "main")
    #expect(syms.name(pid: 100, address: 0x400010, at: t) == nil)
    #expect(syms.module(pid: 100, address: 0x7f00_0000_1000, at: t) == "perf-100.map")
    #expect(syms.module(pid: 100, address: 0x401010, at: t) == "node")
    #expect(syms.jitFrames(pid: 100, addresses: [0x7f00_0000_1000, 0x401010, 0x7f00_0000_2000], at: t) == [0, 2])
    // Another process has no map; loading only pid 200 leaves pid 100's out.
    #expect(syms.name(pid: 101, address: 0x7f00_0000_1000, at: t) == nil)
    let other = try #require(try UserSymbols.load(try Recording(path: try s.write()), pids: [200]))
    #expect(other.name(pid: 100, address: 0x7f00_0000_1000, at: t) == nil)
}
