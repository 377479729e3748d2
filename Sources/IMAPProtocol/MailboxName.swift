/// Mailbox names on the wire: IMAP4rev1 writes names outside printable ASCII in modified UTF-7
/// (RFC 3501 §5.1.3): `&` is `&-`, other characters UTF-16 in base64 with `,` for `/`, between
/// `&` and `-`. (IMAP4rev2 servers also take UTF-8 after ENABLE UTF8=ACCEPT; this form works on
/// both.)
public enum MailboxName {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    /// The modified UTF-7 form of `name`.
    public static func encode(_ name: String) -> String {
        var out: [UInt8] = []
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            out.append(UInt8(ascii: "&"))
            var bytes: [UInt8] = []
            for u in pending { bytes += [UInt8(u >> 8), UInt8(u & 0xFF)] }
            var i = 0
            while i < bytes.count {
                let b0 = bytes[i]
                let b1 = i + 1 < bytes.count ? bytes[i + 1] : 0
                let b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
                out.append(alphabet[Int(b0 >> 2)])
                out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
                if i + 1 < bytes.count { out.append(alphabet[Int((b1 & 15) << 2 | b2 >> 6)]) }
                if i + 2 < bytes.count { out.append(alphabet[Int(b2 & 63)]) }
                i += 3
            }
            out.append(UInt8(ascii: "-"))
            pending = []
        }
        for scalar in name.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                flush()
                out.append(UInt8(scalar.value))
                if scalar == "&" { out.append(UInt8(ascii: "-")) }
            } else {
                pending += Array(String(scalar).utf16)
            }
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }

    /// The name a modified UTF-7 form stands for; bytes that are not valid modified UTF-7 are
    /// kept as they are (a server that sends UTF-8 names).
    public static func decode(_ wire: [UInt8]) -> String {
        var result = ""
        var i = 0
        while i < wire.count {
            let c = wire[i]
            guard c == UInt8(ascii: "&") else {
                var j = i
                while j < wire.count && wire[j] != UInt8(ascii: "&") { j += 1 }
                result += String(decoding: wire[i..<j], as: UTF8.self)
                i = j
                continue
            }
            var j = i + 1
            while j < wire.count && wire[j] != UInt8(ascii: "-") { j += 1 }
            guard j < wire.count else {
                result += String(decoding: wire[i...], as: UTF8.self)
                break
            }
            if j == i + 1 {
                result += "&"
            } else if let text = decodeBase64UTF16(wire[(i + 1)..<j]) {
                result += text
            } else {
                result += String(decoding: wire[i...j], as: UTF8.self)
            }
            i = j + 1
        }
        return result
    }

    static func decodeBase64UTF16(_ chars: ArraySlice<UInt8>) -> String? {
        var bits: UInt32 = 0
        var count = 0
        var bytes: [UInt8] = []
        for c in chars {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            bits = bits << 6 | UInt32(v)
            count += 6
            if count >= 8 {
                count -= 8
                bytes.append(UInt8((bits >> UInt32(count)) & 0xFF))
            }
        }
        guard bytes.count % 2 == 0 else { return nil }
        var units: [UInt16] = []
        for k in stride(from: 0, to: bytes.count, by: 2) { units.append(UInt16(bytes[k]) << 8 | UInt16(bytes[k + 1])) }
        return String(decoding: units, as: UTF16.self)
    }

    /// `name` as an IMAP string argument: quoted, with `"` and `\` escaped.
    public static func quoted(_ wireName: String) -> String {
        var out = "\""
        for c in wireName {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }
}
