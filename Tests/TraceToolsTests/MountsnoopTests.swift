import Foundation
import TraceFormat
import TraceSchema
import TraceTestSupport
import Testing
@testable import TraceTools

/// syscall_detail rows of mount (165) and umount2 (166) as the syscalls family writes them
/// (data: the filesystem type, a NUL, the options), beside an openat row that is not a mount:
/// - 0.5 s: mount(8) pid 700 mounts tmpfs "tag" on /mnt/x with size=1m (55 µs), ns 4026531832;
/// - 0.7 s: a remount read-only, noexec, in a second namespace, of a 20-character fs type;
/// - 0.9 s: umount2 of /mnt/x failing with EINVAL, flags 2 (MNT_DETACH, which the live tool
///   names from its MS_ table as MS_NOSUID) by pid 701.
func mountRecording() throws -> String {
    let s = SyntheticRecording()
    func detail(_ t: Double, pid: Int64, id: Int64, ret: Int64, comm: String, path: String, path2: String = "", flags: Int64, data: [UInt8] = [], namespace: Int64) {
        s.add("syscall_detail", ["ts": ns(t), "pid": .int(pid), "tid": .int(pid), "id": .int(id), "ret": .int(ret), "duration": 55_000,
                                 "arg1": .int(id == 166 ? flags : 0), "arg3": .int(id == 165 ? flags : 0), "comm": .string(comm),
                                 "path": .string(path), "path2": .string(path2), "data": .bytes(data), "mnt_ns": .int(namespace)])
    }
    detail(0.5, pid: 700, id: 165, ret: 0, comm: "mount", path: "tag", path2: "/mnt/x", flags: 0, data: Array("tmpfs\0size=1m".utf8), namespace: 4026531832)
    detail(0.6, pid: 700, id: 257, ret: 3, comm: "mount", path: "/etc/fstab", flags: 0, namespace: 0)
    detail(0.7, pid: 700, id: 165, ret: 0, comm: "mount", path: "tag", path2: "/mnt/x", flags: 0x21 | 0x8, data: Array("averyveryverylongfs\0".utf8), namespace: 4026532174)
    detail(0.9, pid: 701, id: 166, ret: -22, comm: "umount", path: "/mnt/x", flags: 2, namespace: 4026531832)
    return try s.write()
}

@Test func mountsnoopPrintsCallsAsLibbpfTools() throws {
    let path = try mountRecording()
    let out = try runTool(Mountsnoop.self, [path])
    #expect(out.stderr.isEmpty && !out.failed, "\(out.stderr)")
    // "%-16s %-7d %-7d %-11u %s\n"; the fs field is the live tool's 8 bytes (7 characters).
    #expect(out.stdout == """
    COMM             PID     TID     MNT_NS      CALL
    mount            700     700     4026531832  mount("tag", "/mnt/x", "tmpfs", 0x0, "size=1m") = 0
    mount            700     700     4026532174  mount("tag", "/mnt/x", "averyve", MS_RDONLY | MS_NOEXEC | MS_REMOUNT, "") = 0
    umount           701     701     4026531832  umount("/mnt/x", MS_NOSUID) = -EINVAL

    """)
    let detailed = try runTool(Mountsnoop.self, ["-d", "-t", "-p", "701", path])
    #expect(detailed.stdout == """
    22:06:40 
        PID:    701
        TID:    701
        COMM:   umount
        OP:     UMOUNT
        RET:    -EINVAL
        LAT:    55us
        MNT_NS: 4026531832
        FS:     
        SOURCE: 
        TARGET: /mnt/x
        DATA:   
        FLAGS:  MS_NOSUID


    """, "\(detailed.stdout)")
    let timed = try runTool(Mountsnoop.self, ["-t", "--to", "0.6", path])
    #expect(timed.stdout.hasPrefix("TIME     COMM             PID     TID     MNT_NS      CALL\n22:06:40 mount            700 "), "\(timed.stdout)")
    let json = try runTool(Mountsnoop.self, ["--json", "--to", "0.6", path])
    #expect(json.stdout.split(separator: "\n").dropFirst() == [#"{"type":"event","name":"call","time_ns":1795990000500055000,"comm":"mount","pid":700,"tid":700,"mnt_ns":4026531832,"op":"MOUNT","result":"0","latency_us":55,"fs":"tmpfs","source":"tag","target":"/mnt/x","data":"size=1m","flags":"0x0","ret":0}"#], "\(json.stdout)")
}

@Test func mountsnoopNamesFlagsAsTheLiveToolDoes() {
    #expect(Mountsnoop.flagNames(0) == "0x0")
    // Bit 12 is MS_BIND, which the live tool's table (MS_NOSYMFOLLOW inserted at 8) names MS_MOVE.
    #expect(Mountsnoop.flagNames(4096) == "MS_MOVE")
    // Its int shift sign-extends bit 31, so any of bits 31-63 prints MS_NOUSER.
    #expect(Mountsnoop.flagNames(1 << 40) == "MS_NOUSER")
    #expect(Mountsnoop.errnoName(-2) == "-ENOENT" && Mountsnoop.errnoName(-4095) == "-4095")
}

@Test func mountsnoopRefusesRecordingsWithoutNamespaces() throws {
    let s = SyntheticRecording()
    s.schemas["syscall_detail"] = TableSchema(name: "syscall_detail", family: "syscalls", source: .bpf, doc: "", columns: EventTables.named("syscall_detail")!.columns.filter { $0.name != "mnt_ns" })
    s.add("syscall_detail", ["ts": ns(0.5), "pid": 1, "tid": 1, "id": 165])
    let out = try runTool(Mountsnoop.self, [try s.write()])
    #expect(out.failed && out.stderr.joined().contains("no mount namespace"), "\(out.stderr)")
}
