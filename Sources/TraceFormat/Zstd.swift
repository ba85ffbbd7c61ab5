import CZstd

/// zstd one-shot compression of column data. Decompression is bounded by the size the chunk
/// header declares, which the reader checks against its own limits first.
enum Zstd {
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var out = [UInt8](repeating: 0, count: bound)
        let written = out.withUnsafeMutableBytes { dst in
            ZSTD_compress(dst.baseAddress, bound, input.baseAddress, input.count, level)
        }
        precondition(ZSTD_isError(written) == 0, "zstd compression cannot fail with a bound-sized buffer")
        out.removeSubrange(written...)
        return out
    }

    /// Decompresses exactly `expected` bytes or throws.
    static func decompress(_ input: UnsafeRawBufferPointer, expected: Int) throws(DecodeError) -> [UInt8] {
        let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        if declared == ZSTD_CONTENTSIZE_ERROR {
            throw DecodeError(relativeOffset: 0, message: "not a zstd frame")
        }
        if declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != UInt64(expected) {
            throw DecodeError(relativeOffset: 0, message: "zstd frame declares \(declared) bytes, header says \(expected)")
        }
        var out = [UInt8](repeating: 0, count: expected)
        let n = out.withUnsafeMutableBytes { dst in
            ZSTD_decompress(dst.baseAddress, expected, input.baseAddress, input.count)
        }
        if ZSTD_isError(n) != 0 {
            let name = String(cString: ZSTD_getErrorName(n))
            throw DecodeError(relativeOffset: 0, message: "zstd: \(name)")
        }
        if n != expected { throw DecodeError(relativeOffset: 0, message: "zstd produced \(n) bytes, expected \(expected)") }
        return out
    }
}
