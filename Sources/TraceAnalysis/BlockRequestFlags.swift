/// How libbpf-tools' biolatency names `rq->cmd_flags` (`flags = Sync-Write`): its compiled-in
/// REQ_* bits and REQ_OP_* names (blk_types.h), which is what the live tool prints whatever the
/// running kernel's numbering.
public enum BlockRequestFlags {
    static let flagNames: [(bit: Int, name: String)] = [
        (21, "NoWait-"), (20, "Background-"), (19, "ReadAhead-"), (18, "PreFlush-"), (17, "FUA-"),
        (16, "Integrity-"), (15, "Idle-"), (14, "NoMerge-"), (13, "Priority-"), (12, "Metadata-"), (11, "Sync-"),
    ]
    static let opNames: [Int: String] = [
        0: "Read", 1: "Write", 2: "Flush", 3: "Discard", 5: "SecureErase", 6: "ZoneReset", 7: "WriteSame",
        8: "ZoneResetAll", 9: "WriteZeroes", 10: "ZoneOpen", 11: "ZoneClose", 12: "ZoneFinish",
        32: "SCSIIn", 33: "SCSIOut", 34: "DrvIn", 35: "DrvOut",
    ]

    /// `flags = PreFlush-Flush`. Ops inside the tool's table but without a name print as glibc
    /// prints a NULL `%s`: `(null)`.
    public static func describe(_ cmdFlags: UInt32) -> String {
        var s = "flags = "
        for f in flagNames where cmdFlags & (1 << UInt32(f.bit)) != 0 { s += f.name }
        let op = Int(cmdFlags & 0xff)
        if op < 36 { s += opNames[op] ?? "(null)" } else { s += "Unknown" }
        return s
    }
}
