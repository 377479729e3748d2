import CZlib
import Synchronization

/// gzip and raw-deflate decompression with an exact output cap: libdeflate first
/// (`FastInflate`), zlib for what it refuses (with precise errors).
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
        if let fast = try FastInflate.inflate(input, format: format, limit: limit, sizeHint: sizeHint) {
            return fast
        }
        return try zlibInflate(input, format: format, limit: limit, sizeHint: sizeHint)
    }

    /// The zlib path alone (everything libdeflate refuses, and every input without it).
    static func zlibInflate(
        _ input: UnsafeBufferPointer<UInt8>, format: Format, limit: Int, sizeHint: Int? = nil
    ) throws(ReportError) -> [UInt8] {
        let state = try ZStream.take(format)
        defer { ZStream.give(state) }
        let stream = state.stream

        var capacity = min(max(sizeHint ?? input.count * 4, 1024), limit + 1)
        var output = [UInt8](unsafeUninitializedCapacity: capacity) { _, n in n = capacity }
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
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
                stream.pointee.avail_in = UInt32(clamping: input.count - consumed)
                stream.pointee.next_out = out.baseAddress! + produced
                stream.pointee.avail_out = UInt32(clamping: capacity - produced)
                let inBefore = stream.pointee.avail_in
                let outBefore = stream.pointee.avail_out
                let s = CZlib.inflate(stream, Z_NO_FLUSH)
                consumed += Int(inBefore - stream.pointee.avail_in)
                produced += Int(outBefore - stream.pointee.avail_out)
                return s
            }
            switch status {
            case Z_STREAM_END:
                if produced > limit { throw tooLarge(limit) }
                // Another gzip member may follow (concatenated gzip); anything else is ignored,
                // as gzip(1) does with trailing garbage.
                if format == .gzip, consumed + 2 <= input.count, input[consumed] == 0x1F, input[consumed + 1] == 0x8B {
                    guard inflateReset(stream) == Z_OK else {
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
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
                throw ReportError(.corruptCompression, "\(what) data is damaged (\(detail))")
            }
        }
    }

    /// A zlib inflate state, kept for reuse: setting one up allocates ~40 KB, which cost a
    /// quarter of the time of a small report (BENCHMARKS.md). `inflateReset` makes it new again.
    final class ZStream: @unchecked Sendable {
        let stream: UnsafeMutablePointer<z_stream>
        let format: Format

        init(_ format: Format) throws(ReportError) {
            self.format = format
            stream = .allocate(capacity: 1)
            stream.initialize(to: z_stream())
            let windowBits: Int32 = format == .gzip ? 15 + 16 : -15
            let status = inflateInit2_(stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else {
                stream.deallocate()
                throw ReportError(.corruptCompression, "zlib could not start (status \(status))")
            }
        }

        deinit {
            inflateEnd(stream)
            stream.deallocate()
        }

        /// Idle states, a few per format; callers on any thread take one and give it back.
        private static let idle = Mutex<[ZStream]>([])

        static func take(_ format: Format) throws(ReportError) -> ZStream {
            let reused = idle.withLock { list -> ZStream? in
                guard let i = list.lastIndex(where: { $0.format == format }) else { return nil }
                return list.remove(at: i)
            }
            if let reused { return reused }
            return try ZStream(format)
        }

        static func give(_ state: ZStream) {
            guard inflateReset(state.stream) == Z_OK else { return }
            idle.withLock { list in
                if list.count < 16 { list.append(state) }
            }
        }
    }

    static func tooLarge(_ limit: Int) -> ReportError {
        ReportError(.tooLarge, "decompresses to more than the \(formatBytes(limit)) cap")
    }
}

/// `20 MB`, `512 KB`, `37 bytes`: sizes in messages (decimal units, like the caps are given).
public func formatBytes(_ n: Int) -> String {
    if n >= 1_000_000 && n % 1_000_000 == 0 { return "\(n / 1_000_000) MB" }
    if n >= 1_000 && n % 1_000 == 0 { return "\(n / 1_000) KB" }
    return "\(n) bytes"
}
