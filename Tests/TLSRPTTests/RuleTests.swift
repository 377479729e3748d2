import TLSRPT
import Testing

/// One good or bad case per rule of the parser and normalizer.
@Suite struct RuleTests {
    @Test func minimalReportIsAccepted() throws {
        let r = try decode(minimal()).get()
        #expect(r.identity.reportID == "r1")
        #expect(r.policies[0].domain == "example.com")
    }

    @Test func notAnObject() {
        let e = rejection("[1,2]")
        #expect(e?.kind == .invalidReport)
        #expect(e?.message.contains("JSON object") == true)
    }

    @Test func noPolicies() {
        let e = rejection(
            #"{"organization-name":"O","date-range":{"start-datetime":"2024-01-01T00:00:00Z","end-datetime":"2024-01-01T23:59:59Z"},"report-id":"r","policies":[]}"#
        )
        #expect(e?.pathString == "policies")
    }

    @Test(arguments: [
        (
            "organization-name",
            #"{"date-range":{"start-datetime":"2024-01-01T00:00:00Z","end-datetime":"2024-01-01T23:59:59Z"},"report-id":"r","policies":[{"policy":{"policy-type":"sts"}}]}"#
        ),
        (
            "report-id",
            #"{"organization-name":"O","date-range":{"start-datetime":"2024-01-01T00:00:00Z","end-datetime":"2024-01-01T23:59:59Z"},"policies":[{"policy":{"policy-type":"sts"}}]}"#
        ),
        ("date-range", #"{"organization-name":"O","report-id":"r","policies":[{"policy":{"policy-type":"sts"}}]}"#),
        (
            "date-range.end-datetime",
            #"{"organization-name":"O","report-id":"r","date-range":{"start-datetime":"2024-01-01T00:00:00Z"},"policies":[{"policy":{"policy-type":"sts"}}]}"#
        ),
        (
            "policies[0].policy.policy-type",
            #"{"organization-name":"O","report-id":"r","date-range":{"start-datetime":"2024-01-01T00:00:00Z","end-datetime":"2024-01-02T00:00:00Z"},"policies":[{"policy":{"policy-domain":"x"}}]}"#
        ),
    ])
    func missingIdentityOrStructure(path: String, json: String) {
        let e = rejection(json)
        #expect(e?.kind == .invalidReport)
        #expect(e?.pathString == path)
    }

    @Test func negativeCountNamesThePath() {
        let e = rejection(
            minimal(
                policy:
                    #"{"policy":{"policy-type":"sts"},"summary":{"total-successful-session-count":1}},{"policy":{"policy-type":"sts"}},{"policy":{"policy-type":"sts"},"summary":{"total-failure-session-count":"-5"}}"#
            ))
        #expect(
            e?.description
                == #"policies[2].summary.total-failure-session-count: expected a non-negative integer, found "-5""#)
    }

    @Test(arguments: ["-5", "1.5", "1e400", "1180591620717411303424", "\"twelve\"", "true", "{}", "\"\""])
    func badCounts(value: String) {
        let e = rejection(
            minimal(
                policy: #"{"policy":{"policy-type":"sts"},"summary":{"total-successful-session-count":"# + value + "}}")
        )
        #expect(e?.pathString == "policies[0].summary.total-successful-session-count")
        #expect(e?.kind == .invalidReport)
    }

    @Test func countsAsDecimalStringsAndMissingCounts() throws {
        let r = try decode(
            minimal(policy: #"{"policy":{"policy-type":"sts"},"summary":{"total-successful-session-count":" 12 "}}"#)
        ).get()
        #expect(r.policies[0].successfulSessionCount == 12)
        #expect(r.policies[0].failedSessionCount == 0)
        let big = try decode(
            minimal(
                policy:
                    #"{"policy":{"policy-type":"sts"},"summary":{"total-successful-session-count":9223372036854775807}}"#
            )
        ).get()
        #expect(big.policies[0].successfulSessionCount == Int64.max)
    }

    @Test func failureDetailCountPath() {
        let e = rejection(
            minimal(
                policy:
                    #"{"policy":{"policy-type":"sts"},"failure-details":[{"result-type":"x","failed-session-count":1},{"result-type":"y","failed-session-count":-1}]}"#
            ))
        #expect(e?.pathString == "policies[0].failure-details[1].failed-session-count")
    }

    @Test func wrongTypeForAString() {
        let e = rejection(minimal(extra: #","contact-info":{"a":1}"#))
        #expect(e?.description == "contact-info: expected a string, found an object")
    }

    @Test func numbersWhereTextIsExpectedAreKeptAsText() throws {
        let r = try decode(
            minimal(
                policy:
                    #"{"policy":{"policy-type":"sts"},"failure-details":[{"result-type":"validation-failure","failure-reason-code":123,"failed-session-count":1}]}"#
            )
        ).get()
        #expect(r.policies[0].failureDetails[0].failureReasonCode == "123")
    }

    @Test func unknownTypesAreKeptLowerCased() throws {
        let r = try decode(
            minimal(
                policy:
                    #"{"policy":{"policy-type":"Invalid-Policy-Type"},"failure-details":[{"result-type":"Testing","failed-session-count":3}]}"#
            )
        ).get()
        #expect(r.policies[0].type == .other("invalid-policy-type"))
        #expect(r.policies[0].type.rawValue == "invalid-policy-type")
        #expect(r.policies[0].failureDetails[0].resultType.rawValue == "testing")
        #expect(!r.policies[0].failureDetails[0].resultType.isRegistered)
    }

    @Test func domainNormalization() throws {
        let r = try decode(minimal(policy: #"{"policy":{"policy-type":"STS","policy-domain":"  Example.COM.. "}}"#))
            .get()
        #expect(r.policies[0].domain == "example.com")
        #expect(r.policies[0].type == .sts)
        let idn = try decode(
            minimal(policy: #"{"policy":{"policy-type":"sts","policy-domain":"XN--BCHER-KVA.example"}}"#)
        ).get()
        #expect(idn.policies[0].domain == "xn--bcher-kva.example")
    }

    @Test func headerDoesNotOverrideJSONDomain() throws {
        let r = try ReportDecoder().decode(Array(minimal().utf8), context: .init(reportDomainHeader: "other.example"))
        #expect(r.policies[0].domain == "example.com")
    }

    @Test func samePolicyTwiceIsKeptTwice() throws {
        let p =
            #"{"policy":{"policy-type":"sts","policy-domain":"a.example"},"summary":{"total-successful-session-count":1}}"#
        let q =
            #"{"policy":{"policy-type":"sts","policy-domain":"A.example."},"summary":{"total-successful-session-count":2}}"#
        let r = try decode(minimal(policy: p + "," + q)).get()
        #expect(r.policies.map(\.domain) == ["a.example", "a.example"])
        #expect(r.successfulSessionCount == 3)
    }

    @Test func malformedAddressesAreKeptAndFlagged() throws {
        let r = try decode(
            minimal(
                policy:
                    #"{"policy":{"policy-type":"sts"},"failure-details":[{"result-type":"validation-failure","sending-mta-ip":"x.x.x.x","receiving-ip":"999.1.1.1","receiving-mx-hostname":"not a host!","failed-session-count":1}]}"#
            )
        ).get()
        let d = r.policies[0].failureDetails[0]
        #expect(d.sendingMTAIP == "x.x.x.x")
        #expect(d.receivingIP == "999.1.1.1")
        #expect(d.receivingMXHostname == "not a host!")
        #expect(!d.addressesLookValid)
    }

    @Test func duplicateMemberIsRefused() {
        let e = rejection(#"{"organization-name":"A","organization-name":"B"}"#)
        #expect(e?.kind == .invalidJSON)
        #expect(e?.message.contains("appears twice") == true)
    }

    @Test func syntaxErrorsNameLineAndColumn() {
        let e = rejection("{\n  \"organization-name\": \"A\",\n  \"report-id\" \"r\"\n}")
        #expect(e?.kind == .invalidJSON)
        #expect(e?.message.hasPrefix("invalid JSON at line 3, column 15") == true)
    }

    @Test func invalidUTF8IsRefused() {
        var bytes = Array(minimal().utf8)
        let i = bytes.firstIndex(of: UInt8(ascii: "O"))!
        bytes[i] = 0xC3
        bytes.insert(0x28, at: i + 1)
        guard case .failure(let e) = decodeBytes(bytes) else {
            Issue.record("accepted invalid UTF-8")
            return
        }
        #expect(e.kind == .invalidJSON)
        #expect(e.message.contains("UTF-8"))
    }

    @Test func deepNestingIsRefusedWithoutCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let e = rejection(minimal(extra: #","x-extension":"# + deep))
        #expect(e?.kind == .invalidJSON)
        #expect(e?.message.contains("nesting deeper") == true)
    }

    @Test func unknownMembersAreSkipped() throws {
        let r = try decode(minimal(extra: #","x-vendor":{"a":[1,2,{"b":null}],"c":"\u00e9\ud83d\udcec"}"#)).get()
        #expect(r.reportID == "r1")
    }

    @Test func escapesAndLoneSurrogates() throws {
        let r = try decode(
            minimal(
                policy:
                    #"{"policy":{"policy-type":"sts"},"failure-details":[{"result-type":"validation-failure","failure-reason-code":"a\"b\\c\n\u00e9\ud83d\udcec\ud800z","failed-session-count":1}]}"#
            )
        ).get()
        #expect(r.policies[0].failureDetails[0].failureReasonCode == "a\"b\\c\né📬\u{FFFD}z")
    }

    @Test func trailingDataIsRefused() {
        let e = rejection(minimal() + " x")
        #expect(e?.kind == .invalidJSON)
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let r = decodeBytes([0xEF, 0xBB, 0xBF] + Array(minimal().utf8))
        #expect((try? r.get())?.reportID == "r1")
    }

    @Test func emptyInputSaysNoReport() {
        guard case .failure(let e) = decodeBytes([]) else { return fail("accepted empty") }
        #expect(e.kind == .empty)
        #expect(e.message.hasPrefix("no report"))
        guard case .failure(let ws) = decodeBytes(Array("  \n".utf8)) else { return fail("accepted blank") }
        #expect(ws.kind == .empty)
    }

    @Test func randomBytesAreUnrecognized() {
        guard case .failure(let e) = decodeBytes([0x00, 0x01, 0x02, 0xFF]) else { return fail("accepted") }
        #expect(e.kind == .unrecognizedFormat)
        #expect(e.message.contains("00 01 02 FF"))
    }

    @Test func notADateMakesTheReportInvalid() {
        let json = minimal().replacingOccurrences(of: "2024-01-01T23:59:59Z", with: "yesterday")
        let e = rejection(json)
        #expect(e?.pathString == "date-range.end-datetime")
    }
}
