import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The fast path of `Inflater`: libdeflate decompresses a whole member into a buffer sized from
/// the size the member declares, about 1 µs faster than zlib for a small report (most of zlib's
/// time there is setting up Huffman tables; BENCHMARKS.md). It answers only what it is sure of:
/// the output, or "over the cap" for a member that decoded completely. For anything else it
/// returns nil and zlib decides, so damaged, truncated and oversized data get zlib's precise
/// errors (and a bomb costs at most two passes up to the cap).
///
/// libdeflate is optional: it is loaded at run time (`libdeflate.so.0`, Debian's `libdeflate0`)
/// when present, so building needs nothing beyond zlib, and without it every input goes to zlib.
enum FastInflate {
    /// libdeflate's result codes (libdeflate.h).
    static let success: Int32 = 0
    static let insufficientSpace: Int32 = 3

    typealias Allocate = @convention(c) () -> OpaquePointer?
    typealias Free = @convention(c) (OpaquePointer?) -> Void
    /// `libdeflate_gzip_decompress_ex` and `libdeflate_deflate_decompress_ex`: decompressor,
    /// input, input size, output, room, input used, output made.
    typealias Decompress =
        @convention(c) (
            OpaquePointer?, UnsafeRawPointer?, Int, UnsafeMutableRawPointer?, Int, UnsafeMutablePointer<Int>?,
            UnsafeMutablePointer<Int>?
        ) -> Int32

    /// The library's entry points, or nil when it is not installed.
    struct Library: @unchecked Sendable {
        let allocate: Allocate
        let free: Free
        let gzip: Decompress
        let raw: Decompress
    }

    static let library: Library? = {
        if getenv("TLSRPT_NO_LIBDEFLATE") != nil { return nil }
        guard let handle = dlopen("libdeflate.so.0", RTLD_NOW | RTLD_LOCAL) ?? dlopen("libdeflate.dylib", RTLD_NOW)
        else { return nil }
        func symbol<T>(_ name: String, _: T.Type) -> T? {
            dlsym(handle, name).map { unsafeBitCast($0, to: T.self) }
        }
        guard let allocate = symbol("libdeflate_alloc_decompressor", Allocate.self),
            let free = symbol("libdeflate_free_decompressor", Free.self),
            let gzip = symbol("libdeflate_gzip_decompress_ex", Decompress.self),
            let raw = symbol("libdeflate_deflate_decompress_ex", Decompress.self)
        else { return nil }
        return Library(allocate: allocate, free: free, gzip: gzip, raw: raw)
    }()

    /// Whether the fast path is available (libdeflate was found).
    static var isAvailable: Bool { library != nil }

    /// Decompresses `input` (gzip members, joined; or one raw deflate stream). Returns nil when
    /// libdeflate refuses the data.
    static func inflate(
        _ input: UnsafeBufferPointer<UInt8>, format: Inflater.Format, limit: Int, sizeHint: Int?
    ) throws(ReportError) -> [UInt8]? {
        guard let library, let base = input.baseAddress, !input.isEmpty else { return nil }
        let decompressor = Decompressor.take(library)
        defer { Decompressor.give(decompressor) }
        // Presized from the declared size (untrusted: a bomb may declare anything, so the buffer
        // never exceeds the cap by more than a byte, and grows only while output keeps coming).
        var capacity = min(max(sizeHint ?? input.count * 4, 64), limit + 1)
        var output = [UInt8](unsafeUninitializedCapacity: capacity) { _, n in n = capacity }
        var produced = 0
        var consumed = 0
        let decompress = format == .gzip ? library.gzip : library.raw
        while true {
            var inUsed = 0
            var outMade = 0
            let result = output.withUnsafeMutableBufferPointer { out -> Int32 in
                decompress(
                    decompressor.pointer, base + consumed, input.count - consumed, out.baseAddress! + produced,
                    capacity - produced, &inUsed, &outMade)
            }
            switch result {
            case success:
                produced += outMade
                consumed += inUsed
                if produced > limit { throw Inflater.tooLarge(limit) }
                // Another gzip member may follow (concatenated gzip), as in the zlib path.
                if format == .gzip, consumed + 2 <= input.count, input[consumed] == 0x1F, input[consumed + 1] == 0x8B {
                    if produced == capacity {
                        capacity = min(capacity * 2, limit + 1)
                        output.append(contentsOf: repeatElement(0, count: capacity - output.count))
                    }
                    continue
                }
                output.removeSubrange(produced...)
                return output
            case insufficientSpace:
                // The member decompresses to more than the room left: a size hint that was too
                // small (try again with twice the room), or over the cap. Over the cap, zlib
                // decides: a truncated stream runs past the room here before libdeflate sees its
                // end, and it is "truncated", not "too large" (found by FastInflateTests).
                guard capacity <= limit else { return nil }
                capacity = min(capacity * 2, limit + 1)
                output.append(contentsOf: repeatElement(0, count: capacity - output.count))
            default:
                return nil
            }
        }
    }

    /// A libdeflate decompressor, kept for reuse (it allocates ~32 KB of tables).
    final class Decompressor: @unchecked Sendable {
        let pointer: OpaquePointer
        let library: Library

        init(_ library: Library) {
            guard let p = library.allocate() else { fatalError("libdeflate: out of memory") }
            pointer = p
            self.library = library
        }

        deinit { library.free(pointer) }

        private static let idle = Mutex<[Decompressor]>([])

        static func take(_ library: Library) -> Decompressor {
            idle.withLock { $0.popLast() } ?? Decompressor(library)
        }

        static func give(_ d: Decompressor) {
            idle.withLock { list in
                if list.count < 16 { list.append(d) }
            }
        }
    }
}
