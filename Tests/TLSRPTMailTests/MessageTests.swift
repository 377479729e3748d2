import Foundation
import TLSRPT
import TLSRPTTestSupport
import Testing

@testable import TLSRPTMail

/// Single messages: MIME structure, transfer encodings, labels, headers.
@Suite struct MessageTests {
    @Test(arguments: [MailBuilder.Attachment.gzipBase64, .jsonQuotedPrintable, .octetStreamNamed, .zip, .inlineText])
    func everyAttachmentKindIsFound(kind: MailBuilder.Attachment) throws {
        let mail = MailBuilder.message(parts: [MailBuilder.part(MailBuilder.reportJSON(id: "k1"), kind)])
        let o = extract([try write(mail, name: "m.eml")])
        #expect(o.rejected.isEmpty, "\(o.rejected)")
        #expect(o.reportIDs == ["k1"])
        let expectedPart = kind == .zip ? "part 2, zip entry report.json" : "part 2"
        #expect(o.sources.first?.hasSuffix(": \(expectedPart)") == true, "\(o.sources)")
        #expect(o.reports.first?.1.mail?.reportDomain == "example.com")
        #expect(o.reports.first?.1.mail?.messageID == "<m1@sender.example>")
    }

    @Test(arguments: ["\n", "\r\n"])
    func everyReportOfAMessageNotOnlyTheFirst(eol: String) throws {
        let mail = MailBuilder.message(
            parts: [
                MailBuilder.part(MailBuilder.reportJSON(id: "a"), .gzipBase64, eol: eol),
                MailBuilder.part(MailBuilder.reportJSON(id: "b"), .jsonQuotedPrintable, eol: eol),
            ], eol: eol)
        let o = extract([try write(mail)])
        #expect(o.reportIDs == ["a", "b"])
        #expect(o.sources.map { $0.components(separatedBy: ": ").last! } == ["part 2", "part 3"])
    }

    @Test func forwardedReportInsideMixedAndRFC822() throws {
        let inner = MailBuilder.message(
            parts: [MailBuilder.part(MailBuilder.reportJSON(id: "fwd", domain: nil), .gzipBase64)],
            domain: "inner.example", boundary: "=_inner")
        let outer = """
            From: admin@example.com
            Subject: Fwd: TLS report
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="outer"

            --outer
            Content-Type: text/plain

            See the forwarded report.
            --outer
            Content-Type: message/rfc822

            \(inner)
            --outer--

            """
        let o = extract([try write(outer)])
        #expect(o.reportIDs == ["fwd"])
        #expect(o.sources.first?.hasSuffix("part 2.2") == true, "\(o.sources)")
        // The inner message's TLS-Report-Domain supplies the missing policy domain.
        #expect(o.reports.first?.0.policies.first?.domain == "inner.example")
    }

    @Test func noPolicyDomainFallsBackToHeader() throws {
        let mail = MailBuilder.message(
            parts: [MailBuilder.part(MailBuilder.reportJSON(id: "np", domain: nil), .gzipBase64)],
            domain: "NoPolicy.Example.")
        let o = extract([try write(mail)])
        #expect(o.reports.first?.0.policies.first?.domain == "nopolicy.example")
        #expect(o.reports.first?.0.policies.first?.type == .noPolicyFound)
    }

    @Test func jsonWinsOverHeader() throws {
        let mail = MailBuilder.message(
            parts: [MailBuilder.part(MailBuilder.reportJSON(id: "w", domain: "json.example"), .gzipBase64)],
            domain: "header.example")
        let o = extract([try write(mail)])
        #expect(o.reports.first?.0.policies.first?.domain == "json.example")
    }

    @Test func mailWithoutReportGivenAlone() throws {
        let o = extract([try write(MailBuilder.plainMessage())])
        #expect(o.reports.isEmpty)
        #expect(o.rejected.count == 1)
        #expect(o.rejected.first?.1.kind == .noReport)
        #expect(o.rejected.first?.1.message.hasPrefix("no report") == true)
    }

    @Test func brokenAttachmentIsRejectedWithItsPart() throws {
        var gz = TestCompression.gzip(MailBuilder.reportJSON(id: "cut"))
        gz.removeLast(20)
        let part =
            "Content-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\n\n"
            + Data(gz).base64EncodedString(options: .lineLength76Characters)
        let mail = MailBuilder.message(parts: [part, MailBuilder.part(MailBuilder.reportJSON(id: "ok"), .gzipBase64)])
        let path = try write(mail)
        let o = extract([path])
        #expect(o.reportIDs == ["ok"])
        #expect(o.rejected.count == 1)
        #expect(o.rejected.first?.0.description == "\(path): part 2")
        #expect(o.rejected.first?.1.kind == .corruptCompression)
    }

    @Test func manyPartsAreCapped() throws {
        let parts = (0..<10_050).map { _ in "Content-Type: text/plain\n\nx" }
        let o = extract([try write(MailBuilder.message(parts: parts))])
        #expect(o.reports.isEmpty)
        #expect(o.rejected.first?.1.message.contains("10000 MIME parts") == true)
    }

    @Test func transferEncodings() {
        let qp = Array("a=3Db=\r\nc=\nd=C3=A9".utf8)
        #expect(qp.withUnsafeBufferPointer { TransferEncoding.decodeQuotedPrintable($0) } == Array("a=bcdé".utf8))
        let b64 = Array("aGVs\r\nbG8=\n".utf8)
        #expect(b64.withUnsafeBufferPointer { TransferEncoding.decodeBase64($0) } == Array("hello".utf8))
    }
}
