/// The entries of a zip archive held in memory (PKWARE APPNOTE 6.3: central directory, stored
/// and deflated entries). Reports are zipped by a few senders; a library would read whole
/// archives without our caps, so this reads just what a report attachment needs.
struct ZipArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
        var encrypted: Bool
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let entries: [Entry]

    /// Most entries one archive may list (a report zip has one).
    static let maxEntries = 1000

    init(_ bytes: UnsafeBufferPointer<UInt8>) throws(ReportError) {
        self.bytes = bytes
        // End of central directory: 22 bytes plus a comment of up to 65,535 bytes, at the end.
        guard bytes.count >= 22 else { throw Self.damaged("too short to be a zip archive") }
        var eocd = -1
        var i = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while i >= lowest {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06 {
                eocd = i
                break
            }
            i -= 1
        }
        guard eocd >= 0 else { throw Self.damaged("zip archive is truncated (no end of central directory)") }
        let count = Int(Self.u16(bytes, eocd + 10))
        let cdSize = Int(Self.u32(bytes, eocd + 12))
        let cdOffset = Int(Self.u32(bytes, eocd + 16))
        guard count != 0xFFFF, cdOffset != 0xFFFF_FFFF else {
            throw ReportError(.unrecognizedFormat, "zip64 archives are not supported")
        }
        guard count <= Self.maxEntries else {
            throw ReportError(.tooLarge, "zip archive lists \(count) entries (at most \(Self.maxEntries))")
        }
        guard cdOffset + cdSize <= eocd else { throw Self.damaged("zip central directory lies outside the archive") }
        var list: [Entry] = []
        var p = cdOffset
        for _ in 0..<count {
            guard p + 46 <= eocd, Self.u32(bytes, p) == 0x0201_4B50 else {
                throw Self.damaged("zip central directory is damaged")
            }
            let flags = Self.u16(bytes, p + 8)
            let method = Self.u16(bytes, p + 10)
            let csize = Int(Self.u32(bytes, p + 20))
            let usize = Int(Self.u32(bytes, p + 24))
            let nameLength = Int(Self.u16(bytes, p + 28))
            let extraLength = Int(Self.u16(bytes, p + 30))
            let commentLength = Int(Self.u16(bytes, p + 32))
            let offset = Int(Self.u32(bytes, p + 42))
            guard p + 46 + nameLength <= eocd else { throw Self.damaged("zip central directory is damaged") }
            let name = String(
                decoding: UnsafeBufferPointer(rebasing: bytes[(p + 46)..<(p + 46 + nameLength)]), as: UTF8.self)
            list.append(
                Entry(
                    name: name, method: method, compressedSize: csize, uncompressedSize: usize,
                    localHeaderOffset: offset, encrypted: flags & 1 != 0))
            p += 46 + nameLength + extraLength + commentLength
        }
        entries = list
    }

    /// The uncompressed bytes of `entry`, at most `limit` of them.
    func contents(of entry: Entry, limit: Int) throws(ReportError) -> [UInt8] {
        guard !entry.encrypted else { throw ReportError(.unrecognizedFormat, "zip entry is encrypted") }
        let h = entry.localHeaderOffset
        guard h + 30 <= bytes.count, Self.u32(bytes, h) == 0x0403_4B50 else {
            throw Self.damaged("zip local header is damaged")
        }
        let start = h + 30 + Int(Self.u16(bytes, h + 26)) + Int(Self.u16(bytes, h + 28))
        guard start + entry.compressedSize <= bytes.count else {
            throw Self.damaged("zip entry is truncated")
        }
        let data = UnsafeBufferPointer(rebasing: bytes[start..<(start + entry.compressedSize)])
        switch entry.method {
        case 0:
            guard data.count <= limit else {
                throw ReportError(.tooLarge, "zip entry is larger than the \(formatBytes(limit)) cap")
            }
            return Array(data)
        case 8:
            return try Inflater.inflate(
                data, format: .raw, limit: limit, sizeHint: min(entry.uncompressedSize, limit) + 1)
        default:
            throw ReportError(.unrecognizedFormat, "zip compression method \(entry.method) is not supported")
        }
    }

    private static func damaged(_ message: String) -> ReportError { ReportError(.corruptCompression, message) }

    static func u16(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
