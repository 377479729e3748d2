#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Buffered reading from a file descriptor: peek at the start, read line by line in constant
/// memory (for mbox files of any size), or read a whole small file. Not thread-safe; one reader.
final class ByteSource {
    let name: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    private var shortReadIsEnd = false
    private let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: ByteSource.chunkSize)

    deinit { scratch.deallocate() }

    /// Bytes handed out so far (for progress).
    private(set) var consumed: Int = 0
    static let chunkSize = 256 * 1024

    init(fileDescriptor: Int32, name: String) {
        self.fd = fileDescriptor
        self.name = name
        self.ownsDescriptor = false
    }

    /// Opens `path` (`name`: how messages show it). With `regularFile` (the directory said so),
    /// a read that returns less than asked is taken as the end of the file, as it is for
    /// regular files on Linux and macOS, saving the read that would return 0 (one system call
    /// of five per report file).
    init?(path: FilePathBytes, name: String, regularFile: Bool = false) {
        let fd = open(path.cString, O_RDONLY)
        guard fd >= 0 else { return nil }
        self.fd = fd
        self.name = name
        self.ownsDescriptor = true
        self.shortReadIsEnd = regularFile
    }

    /// Test and fuzz entry: reads from memory.
    init(bytes: [UInt8], name: String = "memory") {
        self.fd = -1
        self.name = name
        self.ownsDescriptor = false
        self.buffer = bytes
        self.eof = true
    }

    func close() {
        if ownsDescriptor && fd >= 0 { _ = Glibc.close(fd) }
    }

    private var available: Int { buffer.count - start }

    /// Reads one more chunk; returns false at end of input.
    @discardableResult
    private func fill() -> Bool {
        guard !eof, fd >= 0 else {
            eof = true
            return false
        }
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        // Read into scratch memory and append only what arrived: growing the array by a zeroed
        // chunk first cost more than the read for small files (BENCHMARKS.md).
        var n = 0
        repeat {
            n = read(fd, scratch, Self.chunkSize)
        } while n < 0 && errno == EINTR
        if n <= 0 {
            eof = true
            return false
        }
        buffer.append(contentsOf: UnsafeBufferPointer(start: scratch, count: n))
        if shortReadIsEnd && n < Self.chunkSize { eof = true }
        return true
    }

    /// The next `n` bytes (fewer at the end), without consuming them.
    func peek(_ n: Int) -> ArraySlice<UInt8> {
        while available < n && fill() {}
        return buffer[start..<(start + min(n, available))]
    }

    /// Everything that is left, or nil when it is more than `limit` bytes (the rest is then
    /// not read).
    func readAll(limit: Int) -> [UInt8]? {
        while fill() {
            if available > limit { return nil }
        }
        guard available <= limit else { return nil }
        // A whole small file is handed over as read, without a copy.
        let out = start == 0 ? buffer : Array(buffer[start...])
        consumed += out.count
        buffer = []
        start = 0
        return out
    }

    /// The next line including its `\n`, at most `maxLength` bytes: a longer line comes in
    /// pieces, with `complete` false on all but the last. Nil at end of input.
    func readLine(maxLength: Int) -> (line: ArraySlice<UInt8>, complete: Bool)? {
        var searchFrom = start
        while true {
            let end = min(buffer.count, start + maxLength)
            let found: Int? = buffer.withUnsafeBufferPointer { p -> Int? in
                guard searchFrom < end else { return nil }
                guard let base = p.baseAddress,
                    let hit = memchr(base + searchFrom, 0x0A, end - searchFrom)
                else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            if let nl = found {
                let line = buffer[start...nl]
                consumed += line.count
                start = nl + 1
                return (line, true)
            }
            if available >= maxLength {
                let line = buffer[start..<(start + maxLength)]
                consumed += maxLength
                start += maxLength
                return (line, false)
            }
            searchFrom = buffer.count
            let before = start
            if !fill() {
                guard available > 0 else { return nil }
                let line = buffer[start...]
                consumed += line.count
                start = buffer.count
                return (line, true)
            }
            // fill() may have compacted the buffer.
            searchFrom -= before - start
        }
    }
}
