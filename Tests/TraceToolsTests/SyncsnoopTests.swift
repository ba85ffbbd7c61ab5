import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

@Test func syncsnoopPrintsEachSyncFamilyCallAtItsEntry() throws {
    let s = SyntheticRecording()
    func call(_ t: Double, pid: Int64, comm: String, id: Int64) {
        s.add("syscall_detail", ["ts": ns(t), "duration": 300_000_000, "pid": .int(pid), "tid": .int(pid), "id": .int(id), "comm": .string(comm)])
    }
    // Recorded at sys_exit, out of entry order: the rows are printed by entry time.
    call(0.7, pid: 20, comm: "postgres", id: 74)
    call(0.5, pid: 10, comm: "sync", id: 162)
    call(0.9, pid: 30, comm: "btrfs", id: 306)
    call(1.1, pid: 40, comm: "mongod", id: 26)
    call(1.2, pid: 40, comm: "mongod", id: 62)
    call(1.3, pid: 20, comm: "postgres", id: 75)
    call(1.5, pid: 50, comm: "rsync", id: 277)
    let out = try runTool(Syncsnoop.self, [try s.write()])
    #expect(out.stderr.isEmpty && !out.failed)
    // The monotonic clock in seconds: the synthetic recording starts at 1000 s.
    #expect(out.stdout == """
    TIME(s)            COMM             CALL            
    1000.500000000     sync             sync            
    1000.700000000     postgres         fsync           
    1000.900000000     btrfs            syncfs          
    1001.100000000     mongod           msync           
    1001.300000000     postgres         fdatasync       
    1001.500000000     rsync            sync_file_range 

    """)
}
