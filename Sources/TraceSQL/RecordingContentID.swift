import Foundation
import TraceFormat

/// What a recording file holds, as a short id: its size and a 64-bit FNV-1a over the CRC-32C
/// of each MiB. The same bytes under another path (a copy, a rename) get the same id, which
/// is what makes a second export of them a no-op.
public enum RecordingContentID {
    public static func of(path: String) throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw SQLError(.runtime, "\(path): no such file")
        }
        // A rotated set is a directory: its parts, in name order.
        let files = isDir.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { (path as NSString).appendingPathComponent($0) }
            : [path]
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var size = 0
        func mix(_ v: UInt32) {
            for k in 0..<4 {
                hash ^= UInt64((v >> (8 * UInt32(k))) & 0xff)
                hash = hash &* 0x100_0000_01b3
            }
        }
        for f in files {
            guard let h = FileHandle(forReadingAtPath: f) else { throw SQLError(.runtime, "\(f): cannot read") }
            defer { try? h.close() }
            while let block = try h.read(upToCount: 1 << 20), !block.isEmpty {
                size += block.count
                mix(block.withUnsafeBytes { CRC32C.checksum($0) })
                mix(UInt32(block.count))
            }
        }
        return String(size, radix: 16) + "-" + String(hash, radix: 16)
    }
}
