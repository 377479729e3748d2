import CZlib

/// gzip and raw-deflate decompression with an exact output cap, straight on zlib.
///
/// compress-nio lets one byte past its cap and returns a truncated stream's partial output
/// without an error (STACK.md), so we call zlib ourselves: the output stops at `limit` bytes and
/// a stream that ends early is an error, not a short report.
enum Inflater {
    /// The container around the deflate data.
    enum Format {
        /// gzip (RFC 1952); concatenated members are joined, as `gunzip` does.
        case gzip
        /// Raw deflate (RFC 1951), as inside a zip entry.
        case raw
    }

    /// Decompresses `input`. Throws `.tooLarge` once the output would pass `limit` bytes and
    /// `.corruptCompression` for damaged or truncated data. `sizeHint` presizes the output.
    static func inflate(
        _ input: UnsafeBufferPointer<UInt8>, format: Format, limit: Int, sizeHint: Int? = nil
    ) throws(ReportError) -> [UInt8] {
        var stream = z_stream()
        let windowBits: Int32 = format == .gzip ? 15 + 16 : -15
        let initStatus = inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw ReportError(.corruptCompression, "zlib could not start (status \(initStatus))")
        }
        defer { inflateEnd(&stream) }

        var capacity = min(max(sizeHint ?? input.count * 4, 1024), limit + 1)
        var output = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        var consumed = 0
        let what = format == .gzip ? "gzip" : "deflate"

        while true {
            if produced == capacity {
                guard capacity <= limit else { throw tooLarge(limit) }
                capacity = min(capacity * 2, limit + 1)
                output.append(contentsOf: repeatElement(0, count: capacity - output.count))
            }
            let status: Int32 = output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
                stream.avail_in = UInt32(clamping: input.count - consumed)
                stream.next_out = out.baseAddress! + produced
                stream.avail_out = UInt32(clamping: capacity - produced)
                let inBefore = stream.avail_in
                let outBefore = stream.avail_out
                let s = CZlib.inflate(&stream, Z_NO_FLUSH)
                consumed += Int(inBefore - stream.avail_in)
                produced += Int(outBefore - stream.avail_out)
                return s
            }
            switch status {
            case Z_STREAM_END:
                if produced > limit { throw tooLarge(limit) }
                // Another gzip member may follow (concatenated gzip); anything else is ignored,
                // as gzip(1) does with trailing garbage.
                if format == .gzip, consumed + 2 <= input.count, input[consumed] == 0x1F, input[consumed + 1] == 0x8B {
                    guard inflateReset(&stream) == Z_OK else {
                        throw ReportError(.corruptCompression, "\(what) data is damaged")
                    }
                    continue
                }
                output.removeSubrange(produced...)
                return output
            case Z_OK:
                if produced > limit { throw tooLarge(limit) }
                continue
            case Z_BUF_ERROR:
                if produced == capacity { continue }
                throw ReportError(
                    .corruptCompression, "\(what) data is truncated (ends after \(input.count) compressed bytes)")
            default:
                let detail = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw ReportError(.corruptCompression, "\(what) data is damaged (\(detail))")
            }
        }
    }

    private static func tooLarge(_ limit: Int) -> ReportError {
        ReportError(.tooLarge, "decompresses to more than the \(formatBytes(limit)) cap")
    }
}

/// `20 MB`, `512 KB`, `37 bytes`: sizes in messages (decimal units, like the caps are given).
public func formatBytes(_ n: Int) -> String {
    if n >= 1_000_000 && n % 1_000_000 == 0 { return "\(n / 1_000_000) MB" }
    if n >= 1_000 && n % 1_000 == 0 { return "\(n / 1_000) KB" }
    return "\(n) bytes"
}
