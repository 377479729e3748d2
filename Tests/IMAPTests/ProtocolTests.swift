import IMAPClient
import IMAPProtocol
import Testing

@Suite struct FramerTests {
    func units(_ chunks: [String], maxLine: Int = 1 << 20, maxLiteral: Int = 1 << 20) throws -> [ResponseUnit] {
        var framer = ResponseFramer(maxLineBytes: maxLine, maxLiteralBytes: maxLiteral)
        var out: [ResponseUnit] = []
        for c in chunks {
            framer.append(Array(c.utf8))
            while let u = try framer.next() { out.append(u) }
        }
        return out
    }

    @Test func linesAndLiteralsSplitAnywhere() throws {
        let wire = "* OK ready\r\n* 1 FETCH (UID 7 BODY[] {12}\r\nhello\r\nworld)\r\nT1 OK done\r\n"
        let whole = try units([wire])
        #expect(whole.count == 3)
        #expect(whole[1].texts.map { String(decoding: $0, as: UTF8.self) } == ["* 1 FETCH (UID 7 BODY[] {12}", ")"])
        #expect(whole[1].literals == [Array("hello\r\nworld".utf8)])
        // Byte by byte gives the same units.
        let bytes = wire.map { String($0) }
        #expect(try units(bytes) == whole)
    }

    @Test func literalOfZeroBytesAndNonSynchronizing() throws {
        let u = try units(["* 2 FETCH (BODY[] {0}\r\n UID 9 X {3+}\r\nabc)\r\n"])
        #expect(u.count == 1)
        #expect(u[0].literals == [[], Array("abc".utf8)])
        #expect(u[0].texts.count == 3)
    }

    @Test func capsAreErrorsNotAllocations() throws {
        #expect(throws: IMAPProtocolError.self) { try units([String(repeating: "x", count: 200)], maxLine: 100) }
        #expect(throws: IMAPProtocolError.self) { try units(["* 1 FETCH (BODY[] {5000}\r\n"], maxLiteral: 4000) }
        // A length too long to be a number is no literal: the line ends there.
        let u = try units(["* X {9999999999999999999}\r\n"])
        #expect(u.count == 1 && u[0].literals.isEmpty)
    }

    @Test func lfOnlyLinesAreRead() throws {
        let u = try units(["* OK hi\nT1 OK x\n"])
        #expect(u.count == 2)
        #expect(u[0].texts == [Array("* OK hi".utf8)])
    }
}

@Suite struct ParserTests {
    func parse(_ wire: String) throws -> [IMAPResponse] {
        var framer = ResponseFramer()
        framer.append(Array(wire.utf8))
        var out: [IMAPResponse] = []
        while let u = try framer.next() { out.append(try ResponseParser.parse(u)) }
        return out
    }

    @Test func greetingWithCapabilities() throws {
        let r = try parse(
            "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n")
        guard case .untagged(.status(let s)) = r[0] else {
            Issue.record("not a status: \(r)")
            return
        }
        #expect(s.status == .ok)
        #expect(s.code?.name == "CAPABILITY")
        #expect(s.code?.arguments.contains("AUTH=PLAIN") == true)
        #expect(s.text == "Dovecot ready.")
    }

    @Test func selectResponses() throws {
        let r = try parse(
            """
            * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r
            * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r
            * 42 EXISTS\r
            * 0 RECENT\r
            * OK [UIDVALIDITY 1733221234] UIDs valid\r
            * OK [UIDNEXT 43] Predicted next UID\r
            T3 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r

            """)
        #expect(r.count == 7)
        #expect(r[0] == .untagged(.other(keyword: "FLAGS")))
        #expect(r[2] == .untagged(.exists(42)))
        #expect(r[3] == .untagged(.recent(0)))
        #expect(
            r[4]
                == .untagged(
                    .status(
                        StatusResponse(
                            status: .ok, code: ResponseCode(name: "UIDVALIDITY", arguments: ["1733221234"]),
                            text: "UIDs valid"))))
        guard case .tagged("T3", let done) = r[6] else {
            Issue.record("no completion")
            return
        }
        #expect(done.code?.name == "READ-WRITE")
    }

    @Test func fetchWithLiteralFlagsAndOtherItems() throws {
        let r = try parse(
            "* 3 FETCH (UID 17 RFC822.SIZE 12 FLAGS (\\Seen $Junk) INTERNALDATE \"03-Dec-2026 10:00:00 +0000\" BODY[] {12}\r\nFrom: a\r\n\r\nx MODSEQ (5))\r\n"
        )
        #expect(
            r == [
                .untagged(
                    .fetch(
                        sequence: 3,
                        FetchAttributes(
                            uid: 17, size: 12, body: Array("From: a\r\n\r\nx".utf8), flags: ["\\Seen", "$Junk"])))
            ])
    }

    @Test func fetchOfAQuotedBodyAndNil() throws {
        let r = try parse("* 1 FETCH (BODY[] \"a\\\"b\" UID 2)\r\n* 2 FETCH (UID 3 BODY[] NIL)\r\n")
        #expect(r[0] == .untagged(.fetch(sequence: 1, FetchAttributes(uid: 2, body: Array("a\"b".utf8)))))
        #expect(r[1] == .untagged(.fetch(sequence: 2, FetchAttributes(uid: 3, body: nil))))
    }

    @Test func searchListContinuationAndNo() throws {
        let r = try parse(
            "* SEARCH 4 5 900\r\n* LIST (\\HasNoChildren) \".\" \"Archive &AOQ-\"\r\n+ idling\r\nT9 NO [TRYCREATE] Mailbox doesn't exist\r\n"
        )
        #expect(r[0] == .untagged(.search([4, 5, 900])))
        #expect(r[1] == .untagged(.list(flags: ["\\HasNoChildren"], delimiter: ".", name: Array("Archive &AOQ-".utf8))))
        #expect(r[2] == .continuation("idling"))
        #expect(
            r[3]
                == .tagged(
                    tag: "T9",
                    StatusResponse(status: .no, code: ResponseCode(name: "TRYCREATE"), text: "Mailbox doesn't exist")))
    }

    @Test func malformedFetchIsAnError() throws {
        #expect(throws: IMAPProtocolError.self) { try parse("* 1 FETCH (UID abc)\r\n") }
        #expect(throws: IMAPProtocolError.self) { try parse("* 1 FETCH (UID 5\r\n") }
        #expect(throws: IMAPProtocolError.self) { try parse("* 1 FETCH UID 5\r\n") }
        #expect(throws: IMAPProtocolError.self) { try parse("T1 HELLO\r\n") }
        #expect(throws: IMAPProtocolError.self) { try parse("* 1 FETCH (BODY[] \"unclosed)\r\n") }
    }
}

@Suite struct NameTests {
    @Test func modifiedUTF7RoundTrips() {
        // RFC 3501 §5.1.3's example, and a few more.
        #expect(MailboxName.encode("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-")
        #expect(MailboxName.encode("Archive & Co") == "Archive &- Co")
        #expect(MailboxName.encode("Rapports ä") == "Rapports &AOQ-")
        for name in ["INBOX", "Société/Reçus", "Archive & Co", "😀 mail", "~peter/mail/台北/日本語", ""] {
            #expect(MailboxName.decode(Array(MailboxName.encode(name).utf8)) == name)
        }
        #expect(MailboxName.quoted("a\"b\\c") == "\"a\\\"b\\\\c\"")
    }

    @Test func urls() throws {
        let u = try MailboxURL(parsing: "imaps://reports%40example.com@mail.example.com/TLS%20Reports")
        #expect(u.user == "reports@example.com")
        #expect(u.host == "mail.example.com")
        #expect(u.port == 993)
        #expect(u.folder == "TLS Reports")
        #expect(u.implicitTLS)
        #expect(
            u.message(uidValidity: 7, uid: 42)
                == "imaps://reports%40example.com@mail.example.com/TLS%20Reports;UIDVALIDITY=7/;UID=42")
        let v = try MailboxURL(parsing: "imap://bob;AUTH=PLAIN@[::1]:1143")
        #expect(v.user == "bob" && v.host == "::1" && v.port == 1143 && v.folder == "INBOX" && !v.implicitTLS)
        #expect(v.description == "imap://bob@[::1]:1143/INBOX")
        for bad in [
            "http://a@b/", "imaps://host/INBOX", "imaps://u@h:0/x", "imaps://u@h:99999/", "imaps://u@/x",
            "imaps://u@h/%zz", "mail.example.com",
        ] {
            #expect(throws: IMAPProtocolError.self) { try MailboxURL(parsing: bad) }
        }
    }

    @Test func uidSets() {
        #expect(UIDSet.text([5, 1, 2, 3, 9, 10, 3]) == "1:3,5,9:10")
        #expect(UIDSet.text([42]) == "42")
    }
}
