@testable import TLSRPTMail

/// Reads all lines of `bytes` through `ByteSource` with a maximum line length.
struct ByteSourceProbe {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func lines(max: Int) -> [String] {
        let source = ByteSource(bytes: bytes)
        var out: [String] = []
        while let (line, _) = source.readLine(maxLength: max) { out.append(String(decoding: line, as: UTF8.self)) }
        return out
    }
}
