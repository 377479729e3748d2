import Foundation

/// The hostile inputs a public report endpoint must survive, each with the reason it must be
/// refused with, for the tests that push them through `check`, `ingest` and `serve`.
public enum HostileInputs {
    /// One hostile input: a file name, its bytes, and a piece of the error it must get.
    public struct Input: Sendable {
        /// File name (the extension does not matter: formats are sniffed).
        public var name: String
        public var bytes: [UInt8]
        /// Text the error line must contain (after the input's name).
        public var reason: String
        /// The `rejected_inputs.kind` it must be recorded with.
        public var kind: String
        /// The `rejected_inputs.channel`: `mail` when the refused bytes are a part of a mail,
        /// `file` when they are the file itself (a mail without any report is refused whole).
        public var channel = "file"
        /// A report inside that is valid and must be stored (the first message of a cut mbox,
        /// the report of a mail with a 1 MB header line), by report-id.
        public var validReportIDs: [String] = []
        /// Whether it is refused (some hostile-looking inputs carry a valid report and nothing else).
        public var refused = true
    }

    /// A small valid report with `id` as report-id.
    public static func report(_ id: String) -> String { MailBuilder.reportJSON(id: id) }

    /// `report(id)` with the successful-session count replaced by the literal `number`.
    public static func report(_ id: String, successfulCount number: String) -> [UInt8] {
        Array(
            report(id).replacingOccurrences(
                of: #""total-successful-session-count":10"#, with: #""total-successful-session-count":\#(number)"#
            ).utf8)
    }

    /// A mail carrying one attachment part with `contentType` and the base64 `body` as it is.
    static func mail(contentType: String, base64Body: String) -> [UInt8] {
        let part = "Content-Type: \(contentType)\nContent-Transfer-Encoding: base64\n\n\(base64Body)"
        return Array(MailBuilder.message(parts: [part]).utf8)
    }

    /// 100 MB of spaces gzipped: about 100 KB that inflates 5× past the 20 MB cap (made once;
    /// only the compressed bytes are kept).
    public static let gzipBomb = TestCompression.gzip([UInt8](repeating: 0x20, count: 100_000_000), level: 9)
    /// The same 100 MB as one deflated zip entry.
    public static let zipBomb = TestCompression.zip([("r.json", [UInt8](repeating: 0x20, count: 100_000_000))])

    /// A valid report of at least `bytes` bytes: one policy with enough failure details
    /// (each with a 200-byte additional-information) to reach the size.
    public static func bigReport(id: String, bytes: Int) -> (json: [UInt8], details: Int) {
        var out = Array(
            #"{"organization-name":"Big Org","date-range":{"start-datetime":"2026-11-21T00:00:00Z","end-datetime":"2026-11-21T23:59:59Z"},"report-id":"\#(id)","policies":[{"policy":{"policy-type":"sts","policy-domain":"example.com"},"summary":{"total-successful-session-count":5,"total-failure-session-count":"#
                .utf8)
        var details: [UInt8] = []
        var count = 0
        let filler = String(repeating: "x", count: 200)
        while details.count + out.count < bytes {
            if count > 0 { details.append(UInt8(ascii: ",")) }
            details += Array(
                #"{"result-type":"certificate-expired","failed-session-count":1,"receiving-mx-hostname":"mx\#(count % 50).example.com","sending-mta-ip":"192.0.2.\#(count % 250)","additional-information":"\#(filler)"}"#
                    .utf8)
            count += 1
        }
        out += Array("\(count)},\"failure-details\":[".utf8) + details + Array("]}]}".utf8)
        return (out, count)
    }

    /// Every hostile file input (for `check` and `ingest`), in a fixed order.
    public static func files() -> [Input] {
        var list: [Input] = []
        let bomb = gzipBomb
        list.append(
            Input(
                name: "bomb.json.gz", bytes: bomb, reason: "decompresses to more than the 20 MB cap", kind: "too-large")
        )
        list.append(
            Input(
                name: "bomb.zip", bytes: zipBomb,
                reason: "zip entry r.json: decompresses to more than the 20 MB cap", kind: "too-large"))
        list.append(
            Input(
                name: "bomb.eml",
                bytes: mail(
                    contentType: "application/tlsrpt+gzip",
                    base64Body: Data(bomb).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
                ),
                reason: "part 2: decompresses to more than the 20 MB cap", kind: "too-large", channel: "mail"))
        let gz = TestCompression.gzip(report("cut-gzip"))
        list.append(
            Input(
                name: "truncated.json.gz", bytes: Array(gz.prefix(gz.count / 2)), reason: "gzip data is truncated",
                kind: "corrupt-compression"))
        let zip = TestCompression.zip([("r.json", Array(report("cut-zip").utf8))])
        list.append(
            Input(
                name: "truncated.zip", bytes: Array(zip.prefix(zip.count - 30)), reason: "zip archive is truncated",
                kind: "corrupt-compression"))
        let b64 = Data(TestCompression.gzip(report("cut-base64"))).base64EncodedString()
        list.append(
            Input(
                name: "truncated-base64.eml",
                bytes: Array(
                    "From: a@b\nMIME-Version: 1.0\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\n\n\(b64.prefix(b64.count / 2 + 3))"
                        .utf8),
                reason: "gzip data is truncated", kind: "corrupt-compression", channel: "mail"))
        var g = SeededGenerator(seed: 8460)
        list.append(
            Input(
                name: "random.bin", bytes: (0..<65_536).map { _ in UInt8.random(in: 0...255, using: &g) },
                reason: "not a TLS report: neither JSON, gzip nor zip", kind: "unrecognized-format"))
        list.append(Input(name: "empty.json", bytes: [], reason: "no report: the input is empty", kind: "empty"))
        var utf8 = Array(report("bad-utf8").utf8)
        utf8[utf8.firstRange(of: Array("Mail".utf8))!.lowerBound] = 0xFF
        list.append(
            Input(
                name: "invalid-utf8.json", bytes: utf8,
                reason: "organization-name: invalid JSON at line 1, column 23 (byte 22): invalid UTF-8 in a string",
                kind: "invalid-json"))
        var nul = Array(report("nul").utf8)
        nul[nul.firstRange(of: Array("Mail".utf8))!.lowerBound + 1] = 0
        list.append(
            Input(
                name: "nul-in-string.json", bytes: nul, reason: "organization-name: invalid JSON", kind: "invalid-json")
        )
        list.append(
            Input(
                name: "nuls.bin", bytes: [UInt8](repeating: 0, count: 4096),
                reason: "not a TLS report: neither JSON, gzip nor zip (starts with bytes 00 00",
                kind: "unrecognized-format"
            ))
        let depth = 100_000
        list.append(
            Input(
                name: "deep.json",
                bytes: Array(#"{"x":"#.utf8) + [UInt8](repeating: UInt8(ascii: "["), count: depth)
                    + [UInt8](repeating: UInt8(ascii: "]"), count: depth) + [UInt8(ascii: "}")],
                reason: "nesting deeper than 64 levels", kind: "invalid-json"))
        list.append(
            Input(
                name: "deep-array.json",
                bytes: [UInt8](repeating: UInt8(ascii: "["), count: depth)
                    + [UInt8](repeating: UInt8(ascii: "]"), count: depth),
                reason: "a TLS report is a JSON object, found an array", kind: "invalid-report"))
        for (name, number, reason) in [
            ("1e400", "1e400", "expected a non-negative integer, found 1e400"),
            ("minus-5", "-5", "expected a non-negative integer, found -5"),
            (
                "2p70", "1180591620717411303424",
                "expected a non-negative integer below 2^63, found 1180591620717411303424"
            ),
        ] {
            list.append(
                Input(
                    name: "count-\(name).json", bytes: report("n-\(name)", successfulCount: number),
                    reason: "policies[0].summary.total-successful-session-count: \(reason)", kind: "invalid-report"))
        }
        list.append(
            Input(
                name: "60mb.json", bytes: bigReport(id: "big", bytes: 60_000_000).json,
                reason: "file is over the 20 MB cap", kind: "too-large"))
        var parts = "From: a@b\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
        for i in 0..<10_050 { parts += "--B\nContent-Type: text/plain\n\npart \(i)\n" }
        parts += "--B--\n"
        list.append(
            Input(
                name: "10050-parts.eml", bytes: Array(parts.utf8),
                reason: "no report: message has more than 10000 MIME parts", kind: "no-report"))
        let first = MailBuilder.message(parts: [MailBuilder.part(report("mbox-1"), .gzipBase64)])
        let second = MailBuilder.message(parts: [MailBuilder.part(report("mbox-2"), .gzipBase64)])
        let mbox = Array(MailBuilder.mbox([first, second]).utf8)
        list.append(
            Input(
                name: "cut.mbox", bytes: Array(mbox.prefix(mbox.count - 120)),
                reason: "message 2, part 2: gzip data is truncated", kind: "corrupt-compression", channel: "mail",
                validReportIDs: ["mbox-1"]))
        let longHeader = "X-Long: " + String(repeating: "h", count: 1_000_000) + "\n"
        list.append(
            Input(
                name: "long-header-no-report.eml", bytes: Array((longHeader + MailBuilder.plainMessage()).utf8),
                reason: "no report: no TLS report in message", kind: "no-report"))
        list.append(
            Input(
                name: "long-header.eml",
                bytes: Array(
                    (longHeader + MailBuilder.message(parts: [MailBuilder.part(report("long-header"), .gzipBase64)]))
                        .utf8), reason: "", kind: "", validReportIDs: ["long-header"], refused: false))
        return list
    }
}
