/// One row of `syscall_detail`: a selected syscall with its arguments and user-memory strings.
public struct SyscallDetail: Sendable, Equatable {
    public var ts: Int64
    public var pid: Int64
    public var tid: Int64
    public var uid: Int64
    public var id: Int64
    public var ret: Int64
    public var duration: Int64
    public var args: [UInt64]
    public var comm: String
    public var path: String
    public var path2: String
    public var data: [UInt8]

    /// When the syscall returned: when the live tools, which emit at sys_exit, print it.
    public var exitTime: Int64 { ts &+ duration }  // wrapping: hostile values must not trap
}

extension Recording {
    /// Syscall numbers for the given names from the recording's `syscall_names` (either the
    /// syscall table's names, `stat`, or the tracepoint's, `newstat`, may be listed), or this
    /// table's x86_64 numbers when the recording has no names.
    public func syscallIDs(named names: [String], x86_64 fallback: [Int]) -> Set<Int64> {
        if syscallNames.isEmpty { return Set(fallback.map(Int64.init)) }
        let wanted = Set(names)
        return Set(syscallNames.filter { wanted.contains($0.value) }.map { Int64($0.key) })
    }

    /// The `syscall_detail` rows of the given syscalls inside the window, in the order the
    /// syscalls returned (the order the live tools print them). The rows are the tool's answer,
    /// so holding them is bounded by the output.
    public func syscallDetails(ids: Set<Int64>, filter: ScanFilter = .none) throws -> [SyscallDetail] {
        var f = filter
        f.values["id"] = ids
        var rows: [SyscallDetail] = []
        try scanBatches(SyscallDetailRow.self, reading: [\.pid, \.tid, \.uid, \.id, \.ret, \.duration, \.arg0, \.arg1, \.arg2, \.arg3, \.arg4, \.arg5, \.comm, \.path, \.path2, \.data], filter: f) { b in
            let ts = b[\SyscallDetailRow.ts], pid = b[\SyscallDetailRow.pid], tid = b[\SyscallDetailRow.tid], uid = b[\SyscallDetailRow.uid], id = b[\SyscallDetailRow.id]
            let ret = b[\SyscallDetailRow.ret], dur = b[\SyscallDetailRow.duration]
            let a = [b[\SyscallDetailRow.arg0], b[\SyscallDetailRow.arg1], b[\SyscallDetailRow.arg2], b[\SyscallDetailRow.arg3], b[\SyscallDetailRow.arg4], b[\SyscallDetailRow.arg5]]
            let comm = b[\SyscallDetailRow.comm], path = b[\SyscallDetailRow.path], path2 = b[\SyscallDetailRow.path2], data = b[\SyscallDetailRow.data]
            let commS = comm.strings, pathS = path.strings, path2S = path2.strings
            for r in 0..<b.count {
                rows.append(SyscallDetail(ts: ts[r], pid: pid[r], tid: tid[r], uid: uid[r], id: id[r], ret: ret[r], duration: dur[r],
                                          args: a.map { UInt64(bitPattern: $0[r]) }, comm: commS[Int(comm.codes[r])],
                                          path: pathS[Int(path.codes[r])], path2: path2S[Int(path2.codes[r])], data: data[r]))
            }
        }
        rows.sort { ($0.exitTime, $0.ts, $0.tid) < ($1.exitTime, $1.ts, $1.tid) }
        return rows
    }
}
