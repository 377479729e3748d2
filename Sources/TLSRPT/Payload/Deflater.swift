import CZlib

/// gzip compression (RFC 1952) on zlib: how the store keeps each report's bytes.
public enum Gzip {
    /// `bytes` compressed as one gzip member at `level` (1 fastest … 9 smallest).
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        deflate(bytes, windowBits: 31, level: level)
    }

    /// `bytes` compressed as raw deflate (RFC 1951), as inside a zip entry.
    public static func deflateRaw(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        deflate(bytes, windowBits: -15, level: level)
    }

    private static func deflate(_ bytes: [UInt8], windowBits: Int32, level: Int32) -> [UInt8] {
        var stream = z_stream()
        let status = deflateInit2_(
            &stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib deflateInit2 failed: \(status)")
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(bytes.count))) + 32
        var out = [UInt8](unsafeUninitializedCapacity: bound) { _, n in n = bound }
        var input = bytes
        let produced = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { outp in
                stream.next_in = inp.baseAddress
                stream.avail_in = UInt32(inp.count)
                stream.next_out = outp.baseAddress
                stream.avail_out = UInt32(outp.count)
                let result = CZlib.deflate(&stream, Z_FINISH)
                precondition(result == Z_STREAM_END, "zlib deflate did not finish: \(result)")
                return outp.count - Int(stream.avail_out)
            }
        }
        out.removeSubrange(produced...)
        return out
    }
}
