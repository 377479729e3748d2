import TLSRPT
import Testing

/// The project's own fixture for each real-sender quirk, read with exact values.
@Suite struct FixtureTests {
    @Test func rfcExampleWithMxHostAsString() throws {
        let r = try fixture("rfc8460-appendix-b.json")
        #expect(r.organizationName == "Company-X")
        #expect(r.reporterDomain == "company-x.example")
        #expect(r.start.rfc3339 == "2016-04-01T00:00:00Z")
        #expect(r.end.rfc3339 == "2016-04-01T23:59:59Z")
        #expect(r.day.description == "2016-04-01")
        #expect(r.policies.count == 1)
        let p = r.policies[0]
        #expect(p.type == .sts)
        #expect(p.stsMode == .testing)
        #expect(p.mxPatterns == ["*.mail.company-y.example"])
        #expect(p.successfulSessionCount == 5326)
        #expect(p.failedSessionCount == 303)
        #expect(p.failureDetails.map(\.failedSessionCount) == [100, 200, 3])
        #expect(p.failureDetails.map(\.resultType) == [.certificateExpired, .starttlsNotSupported, .validationFailure])
        #expect(p.failureDetails[2].failureReasonCode == "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED")
        #expect(p.failureDetails[1].receivingIP == "203.0.113.56")
        #expect(p.failureDetails.allSatisfy { $0.addressesLookValid })
    }

    @Test func microsoftDatesWithoutZoneAreUTC() throws {
        let r = try fixture("microsoft-no-timezone.json")
        #expect(r.start == Timestamp(seconds: 1_673_308_800))
        #expect(r.end == Timestamp(seconds: 1_673_395_199))
        #expect(r.day.description == "2023-01-10")
        #expect(r.policies[0].mxPatterns == ["mx1.example.net", "mx2.example.net"])
        #expect(r.policies[0].stsMode == .enforce)
    }

    @Test func microsoftTLSAJSONInAString() throws {
        let r = try fixture("microsoft-tlsa-json-in-string.json")
        #expect(r.policies.map(\.type) == [.sts, .tlsa])
        #expect(
            r.policies[1].tlsaRecords == [
                "3 1 1 6007EEE553E85D8DF007A845D19EC343283D4E416E9A33F9EF3040C8B7C285BC",
                "3 1 1 837C773D54C2E2BD71871A3FC352BE8214D5646CBAE5E3091401A7274717998B",
            ])
        #expect(r.policies[1].policyStrings.count == 1)
        #expect(r.successfulSessionCount == 4)
    }

    @Test func googleCleanDayWithoutDetailsOrFailureCount() throws {
        let r = try fixture("google-clean-day.json")
        #expect(r.policies[0].successfulSessionCount == 17)
        #expect(r.policies[0].failedSessionCount == 0)
        #expect(r.policies[0].failureDetails.isEmpty)
        #expect(r.reporterDomain == "google.com")
    }

    @Test func mailRuNextDayEndAndDetailsNotAddingUp() throws {
        let r = try fixture("mailru-next-day-end.json")
        #expect(r.end.rfc3339 == "2024-02-23T00:00:00Z")
        #expect(r.day.description == "2024-02-22")
        let p = r.policies[0]
        #expect(p.failedSessionCount == 1)
        #expect(p.failureDetails.reduce(0) { $0 + $1.failedSessionCount } == 2)
        #expect(p.failureDetails.map(\.resultType) == [.stsPolicyFetchError, .stsWebPKIInvalid])
        #expect(p.mxPatterns.isEmpty)
        #expect(p.stsMode == nil)
    }

    @Test func sys4NoPolicyDomainFallsBackToMailHeader() throws {
        let without = try fixture("sys4-no-policy-domain.json")
        #expect(without.policies[0].domain == "")
        #expect(without.policies[0].type == .noPolicyFound)
        let with = try fixture("sys4-no-policy-domain.json", header: "Example.COM.")
        #expect(with.policies[0].domain == "example.com")
        #expect(with.policies[0].failedSessionCount == 1)
    }

    @Test func stalwartNullContactAndEmptyDetails() throws {
        let r = try fixture("stalwart-null-contact.json")
        #expect(r.contactInfo == nil)
        #expect(r.reporterDomain == nil)
        #expect(r.policies[0].failureDetails.isEmpty)
        #expect(r.policies[0].mxPatterns == ["mx.server.example"])
    }

    @Test func socketLabsHostNameSpelling() throws {
        let r = try fixture("socketlabs-mx-host-name.json")
        let d = r.policies[0].failureDetails[0]
        #expect(d.receivingMXHostname == "mail.example.ovh")
        #expect(d.resultType == .certificateHostMismatch)
        #expect(d.failedSessionCount == 2)
    }

    @Test func quirkyLenientReporter() throws {
        let r = try fixture("quirky-lenient.json")
        #expect(r.contactInfo == nil)
        #expect(r.policies.count == 2)
        let p = r.policies[0]
        #expect(p.type == .sts)
        #expect(p.domain == "acme.example")
        #expect(p.policyStrings == ["version: STSv1"])
        #expect(p.successfulSessionCount == 42)
        #expect(p.failedSessionCount == 7)
        #expect(p.failureDetails[0].resultType == .other("quantum-handshake-flux"))
        #expect(p.failureDetails[0].failedSessionCount == 5)
        #expect(p.failureDetails[1].resultType == .certificateExpired)
        #expect(p.failureDetails[1].failedSessionCount == 0)
        #expect(p.failureDetails[1].receivingMXHostname == "mx1.acme.example")
        #expect(p.failureDetails[1].additionalInformation == "https://quirky.example/why")
        #expect(r.policies[1].domain == "")
        #expect(r.successfulSessionCount == 43)
    }

    @Test func daneFailures() throws {
        let r = try fixture("dane-failures.json")
        #expect(r.reporterDomain == "reporter.example")
        let p = r.policies[0]
        #expect(p.type == .tlsa)
        #expect(p.tlsaRecords.count == 2)
        #expect(p.failureDetails.map(\.resultType) == [.tlsaInvalid, .dnssecInvalid])
        #expect(p.failureDetails[0].receivingMXHelo == "mx.dane.example")
        #expect(p.failedSessionCount == 6)
    }
}
