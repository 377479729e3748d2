import Foundation

/// Builds report mails the way senders write them, for tests of the mail reader.
public enum MailBuilder {
    /// How the report is attached.
    public enum Attachment: Sendable {
        /// `application/tlsrpt+gzip`, base64 (RFC 8460 §5.3).
        case gzipBase64
        /// `application/tlsrpt+json`, quoted-printable.
        case jsonQuotedPrintable
        /// `application/octet-stream` named `.json.gz`, base64.
        case octetStreamNamed
        /// `application/zip`, base64.
        case zip
        /// JSON pasted into a `text/plain` part.
        case inlineText
    }

    /// A minimal report JSON with `id` as report-id and `domain` as policy-domain (nil: none).
    public static func reportJSON(id: String, domain: String? = "example.com", success: Int = 10, failure: Int = 1)
        -> String
    {
        let domainMember = domain.map { #","policy-domain":"\#($0)""# } ?? ""
        return
            #"{"organization-name":"Mail Test Org","date-range":{"start-datetime":"2026-11-21T00:00:00Z","end-datetime":"2026-11-21T23:59:59Z"},"contact-info":"tlsrpt@sender.example","report-id":"\#(id)","policies":[{"policy":{"policy-type":"\#(domain == nil ? "no-policy-found" : "sts")"\#(domainMember)},"summary":{"total-successful-session-count":\#(success),"total-failure-session-count":\#(failure)},"failure-details":[{"result-type":"certificate-expired","receiving-mx-hostname":"mx.example.com","failed-session-count":\#(failure)}]}]}"#
    }

    static func base64Lines(_ bytes: [UInt8], _ eol: String) -> String {
        Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
            .replacingOccurrences(of: "\n", with: eol)
    }

    static func quotedPrintable(_ text: String, _ eol: String) -> String {
        var out = ""
        var lineLength = 0
        for b in text.utf8 {
            let piece: String
            if (b >= 33 && b <= 126 && b != 61) || b == 32 {
                piece = String(UnicodeScalar(b))
            } else {
                piece = String(format: "=%02X", b)
            }
            if lineLength + piece.count > 72 {
                out += "=" + eol
                lineLength = 0
            }
            out += piece
            lineLength += piece.count
        }
        return out
    }

    /// One attachment part (headers and body) for `json`.
    public static func part(_ json: String, _ kind: Attachment, eol: String = "\n") -> String {
        switch kind {
        case .gzipBase64:
            return
                "Content-Type: application/tlsrpt+gzip\(eol)Content-Disposition: attachment;\(eol)\tfilename=\"report.json.gz\"\(eol)Content-Transfer-Encoding: base64\(eol)\(eol)"
                + base64Lines(TestCompression.gzip(json), eol)
        case .jsonQuotedPrintable:
            return
                "Content-Type: application/tlsrpt+json; charset=utf-8\(eol)Content-Transfer-Encoding: quoted-printable\(eol)\(eol)"
                + quotedPrintable(json, eol)
        case .octetStreamNamed:
            return
                "Content-Type: application/octet-stream;\(eol) name*=utf-8''sender.example%21example.com%211%212.json.gz\(eol)Content-Transfer-Encoding: base64\(eol)\(eol)"
                + base64Lines(TestCompression.gzip(json), eol)
        case .zip:
            return
                "Content-Type: application/zip; name=\"report.zip\"\(eol)Content-Transfer-Encoding: base64\(eol)\(eol)"
                + base64Lines(TestCompression.zip([("report.json", Array(json.utf8))]), eol)
        case .inlineText:
            return "Content-Type: text/plain; charset=us-ascii\(eol)\(eol)\(json)"
        }
    }

    /// A whole report mail: `multipart/report; report-type=tlsrpt` with a text part and the
    /// given attachments. `domain` goes into `TLS-Report-Domain` when given.
    public static func message(
        parts: [String], domain: String? = "example.com", boundary: String = "=_b1", eol: String = "\n",
        messageID: String = "<m1@sender.example>"
    ) -> String {
        var s = "From: TLS Reports <tlsrpt@sender.example>\(eol)To: tlsrpt@example.com\(eol)"
        s += "Subject: Report Domain: \(domain ?? "-") Submitter: sender.example\(eol)"
        s += "Date: Sun, 22 Nov 2026 06:00:00 +0000\(eol)Message-ID: \(messageID)\(eol)"
        if let domain { s += "TLS-Report-Domain: \(domain)\(eol)TLS-Report-Submitter: sender.example\(eol)" }
        s +=
            "MIME-Version: 1.0\(eol)Content-Type: multipart/report;\(eol) report-type=\"tlsrpt\";\(eol)\tboundary=\"\(boundary)\"\(eol)\(eol)"
        s += "This is a multi-part message in MIME format.\(eol)\(eol)--\(boundary)\(eol)"
        s +=
            "Content-Type: text/plain; charset=utf-8\(eol)\(eol)This is an aggregate TLS report from sender.example.\(eol)"
        for p in parts { s += "\(eol)--\(boundary)\(eol)\(p)\(eol)" }
        s += "--\(boundary)--\(eol)"
        return s
    }

    /// A plain mail with no report.
    public static func plainMessage(_ body: String = "Hello.\nFrom the team.\n", eol: String = "\n") -> String {
        "From: someone@example.org\(eol)Subject: lunch\(eol)Message-ID: <x@example.org>\(eol)\(eol)"
            + body.replacingOccurrences(of: "\n", with: eol)
    }

    /// Messages joined as a mbox (mboxrd quoting of body `From ` lines when `quote`).
    public static func mbox(_ messages: [String], eol: String = "\n", quote: Bool = true) -> String {
        var out = ""
        for m in messages {
            out += "From tlsrpt@sender.example Sun Nov 22 06:00:00 2026\(eol)"
            for line in m.components(separatedBy: eol) {
                var l = line
                if quote, l.drop(while: { $0 == ">" }).hasPrefix("From ") { l = ">" + l }
                out += l + eol
            }
            out += eol
        }
        return out
    }
}
