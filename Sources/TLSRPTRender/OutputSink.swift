#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Buffered output to a file descriptor (standard output or an `--output` file), so exports of
/// millions of rows are not millions of writes.
public final class OutputSink {
    private let fd: Int32
    private let owns: Bool
    private var buffer: [UInt8] = []
    /// Collects everything instead of writing (tests).
    public private(set) var captured: [UInt8]?

    /// Standard output.
    public static func standardOutput() -> OutputSink { OutputSink(fd: 1, owns: false) }

    /// A sink that keeps what is written in memory.
    public static func memory() -> OutputSink {
        let s = OutputSink(fd: -1, owns: false)
        s.captured = []
        return s
    }

    /// A new file at `path` (truncated), or nil with errno set.
    public static func file(_ path: String) -> OutputSink? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return nil }
        return OutputSink(fd: fd, owns: true)
    }

    init(fd: Int32, owns: Bool) {
        self.fd = fd
        self.owns = owns
        buffer.reserveCapacity(1 << 16)
    }

    /// Appends text.
    public func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes out what is buffered.
    public func flush() {
        guard !buffer.isEmpty else { return }
        if captured != nil {
            captured!.append(contentsOf: buffer)
        } else {
            var offset = 0
            buffer.withUnsafeBytes { p in
                while offset < p.count {
                    let n = Glibc.write(fd, p.baseAddress! + offset, p.count - offset)
                    if n <= 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += n
                }
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes (files only).
    public func close() {
        flush()
        if owns { _ = Glibc.close(fd) }
    }

    /// What was captured, as text (memory sinks).
    public var text: String {
        flush()
        return String(decoding: captured ?? [], as: UTF8.self)
    }
}
