import Crypto
import DKIM
import Foundation
import _CryptoExtras

/// Signs benchmark mails (rsa-sha256, relaxed/relaxed) so that `scripts/bench-dkim` can
/// measure verification on 20,000 signed mails without a Python signer in the loop. The
/// verifier's agreement with a real signer (dkimpy) is what `Tests/DKIMTests` checks; this
/// only makes load.
struct BenchSigner {
    let domain: String
    let selector: String
    let key: _RSA.Signing.PrivateKey

    /// The key record to publish at `SELECTOR._domainkey.DOMAIN`.
    var record: String { "v=DKIM1; k=rsa; p=\(key.publicKey.derRepresentation.base64EncodedString())" }

    static let signedHeaders = [
        "from", "to", "subject", "date", "message-id", "tls-report-domain", "tls-report-submitter", "content-type",
        "mime-version",
    ]

    /// `mail` (LF line ends) with a DKIM-Signature field put on top.
    func sign(_ mail: String, time: Int) -> String {
        let crlf = Array(mail.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        var end = 0
        while end + 3 < crlf.count
            && !(crlf[end] == 13 && crlf[end + 1] == 10 && crlf[end + 2] == 13 && crlf[end + 3] == 10)
        {
            end += 1
        }
        let header = Array(crlf[..<(end + 2)])
        let body = Array(crlf[(end + 4)...])
        var fields: [[UInt8]] = []
        var i = 0
        while i < header.count {
            var j = i
            while j + 1 < header.count && !(header[j] == 13 && header[j + 1] == 10) { j += 1 }
            let line = Array(header[i..<j])
            if let first = line.first, first == 0x20 || first == 0x09, !fields.isEmpty {
                fields[fields.count - 1] += [13, 10] + line
            } else {
                fields.append(line)
            }
            i = j + 2
        }
        let bodyHash = Data(SHA256.hash(data: Canonicalization.relaxed.body(body))).base64EncodedString()
        let value =
            " v=1; a=rsa-sha256; c=relaxed/relaxed; d=\(domain); s=\(selector); t=\(time);\r\n\th=\(Self.signedHeaders.joined(separator: ":"));\r\n\tbh=\(bodyHash);\r\n\tb="
        var input: [UInt8] = []
        for name in Self.signedHeaders {
            if let f = fields.last(where: { field in
                let n = field.prefix { $0 != UInt8(ascii: ":") }
                return String(decoding: n, as: UTF8.self).lowercased() == name
            }) {
                input += Canonicalization.relaxed.header(f)
            }
        }
        input += Canonicalization.relaxed.header(Array("DKIM-Signature:\(value)".utf8), final: true)
        let signature = try! key.signature(for: input, padding: .insecurePKCS1v1_5)
        return "DKIM-Signature:\(value)\(signature.rawRepresentation.base64EncodedString())\n" + mail
    }
}
