import Glibc

/// Where a stripped ELF file's separate debug file may be, in gdb's order ("Debugging
/// Information in Separate Files"): by build-id under /usr/lib/debug/.build-id, then by the
/// name its `.gnu_debuglink` gives, next to the file, in its `.debug/` and under
/// /usr/lib/debug. Paths are as the process sees them; the caller prefixes its root.
enum DebugFile {
    /// The `.gnu_debuglink` section: a file name, NUL-padded to 4 bytes, then the debug
    /// file's CRC-32 (the zlib one) in the target's byte order (little-endian here).
    struct Link: Equatable {
        var name: String
        var crc: UInt32

        /// Nil when malformed, or when the name is not a plain file name (a link is a base name;
        /// one with a `/` could send the root recorder to read anywhere).
        init?(_ bytes: UnsafeRawBufferPointer) {
            guard let nul = bytes.firstIndex(of: 0), nul > 0 else { return nil }
            let crcAt = (nul + 4) & ~3
            guard crcAt + 4 <= bytes.count else { return nil }
            let name = String(decoding: bytes[0..<nul], as: UTF8.self)
            guard !name.contains("/"), name != ".", name != ".." else { return nil }
            self.name = name
            crc = UInt32(bytes[crcAt]) | UInt32(bytes[crcAt + 1]) << 8 | UInt32(bytes[crcAt + 2]) << 16 | UInt32(bytes[crcAt + 3]) << 24
        }

        init(name: String, crc: UInt32) {
            self.name = name
            self.crc = crc
        }
    }

    struct Candidate: Equatable {
        var path: String
        /// The CRC the file must have (debuglink candidates).
        var crc: UInt32?
    }

    static func candidates(mapped: String, buildID: [UInt8], link: Link?) -> [Candidate] {
        var out: [Candidate] = []
        if buildID.count >= 2 {
            out.append(Candidate(path: "/usr/lib/debug/.build-id/\(hex(Array(buildID[0..<1])))/\(hex(Array(buildID[1...]))).debug", crc: nil))
        }
        if let link {
            let dir = mapped.lastIndex(of: "/").map { String(mapped[..<$0]) } ?? ""
            for path in ["\(dir)/\(link.name)", "\(dir)/.debug/\(link.name)", "/usr/lib/debug\(dir)/\(link.name)"] where path != mapped {
                out.append(Candidate(path: path, crc: link.crc))
            }
        }
        return out
    }

    /// CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of a whole file; nil when unreadable.
    static func crc32(path: String) -> UInt32? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var crc: UInt32 = 0xffff_ffff
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { break }
            crc = update(crc, buf[0..<n])
        }
        return crc ^ 0xffff_ffff
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 { update(0xffff_ffff, bytes[...]) ^ 0xffff_ffff }

    private static func update(_ start: UInt32, _ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc = start
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xff)] ^ (crc >> 8) }
        return crc
    }

    private static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
