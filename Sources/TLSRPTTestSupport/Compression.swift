import CZlib
import TLSRPT

/// Builders of compressed test inputs (gzip, zip), on zlib, for the project's tests and fuzz seeds.
public enum TestCompression {
    /// `bytes` compressed as one gzip member (or raw deflate when `raw`).
    public static func gzip(_ bytes: [UInt8], raw: Bool = false, level: Int32 = 6) -> [UInt8] {
        raw ? Gzip.deflateRaw(bytes, level: level) : Gzip.compress(bytes, level: level)
    }

    /// `bytes` gzipped as a String-friendly helper.
    public static func gzip(_ text: String) -> [UInt8] { gzip(Array(text.utf8)) }

    /// A zip archive of `entries` (name, contents), deflated unless `stored`.
    public static func zip(_ entries: [(String, [UInt8])], stored: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func le16(_ v: Int, _ a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int, _ a: inout [UInt8]) { le16(v & 0xFFFF, &a); le16(v >> 16 & 0xFFFF, &a) }
        for (name, contents) in entries {
            let data = stored ? contents : gzip(contents, raw: true)
            let crc = contents.withUnsafeBufferPointer { Int(crc32(0, $0.baseAddress, UInt32($0.count))) }
            let offset = out.count
            let nameBytes = Array(name.utf8)
            le32(0x0403_4B50, &out)
            le16(20, &out); le16(0, &out); le16(stored ? 0 : 8, &out); le16(0, &out); le16(0, &out)
            le32(crc, &out); le32(data.count, &out); le32(contents.count, &out)
            le16(nameBytes.count, &out); le16(0, &out)
            out += nameBytes
            out += data
            le32(0x0201_4B50, &central)
            le16(20, &central); le16(20, &central); le16(0, &central); le16(stored ? 0 : 8, &central)
            le16(0, &central); le16(0, &central)
            le32(crc, &central); le32(data.count, &central); le32(contents.count, &central)
            le16(nameBytes.count, &central); le16(0, &central); le16(0, &central); le16(0, &central)
            le16(0, &central); le32(0, &central); le32(offset, &central)
            central += nameBytes
        }
        let cdOffset = out.count
        out += central
        le32(0x0605_4B50, &out)
        le16(0, &out); le16(0, &out); le16(entries.count, &out); le16(entries.count, &out)
        le32(central.count, &out); le32(cdOffset, &out); le16(0, &out)
        return out
    }
}
