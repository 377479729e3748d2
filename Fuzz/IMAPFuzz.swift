import IMAPProtocol

/// libFuzzer entry: any bytes as what an IMAP server sends, fed to the framer in two pieces
/// (split where the first byte says) and every unit through the response parser. It must never
/// crash, hang or allocate past its caps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIMAP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var framer = ResponseFramer(maxLineBytes: 4096, maxLiteralBytes: 65_536)
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    for piece in [bytes[..<cut], bytes[cut...]] {
        framer.append(piece)
        do {
            while let unit = try framer.next() {
                _ = try? ResponseParser.parse(unit)
            }
        } catch {
            return 0
        }
    }
    // Mailbox names from the same bytes.
    _ = MailboxName.decode(bytes)
    return 0
}
