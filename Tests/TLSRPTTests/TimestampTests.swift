import TLSRPT
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2016-04-01T00:00:00Z", 1_459_468_800, 0),
        ("2023-01-10T00:00:00", 1_673_308_800, 0),
        ("2026-08-02T23:59:59+00:00", 1_785_715_199, 0),
        ("2024-01-01T02:00:00+02:00", 1_704_067_200, 0),
        ("2024-01-01t00:00:00z", 1_704_067_200, 0),
        ("2024-01-01 00:00:00Z", 1_704_067_200, 0),
        ("2024-01-01T00:00:00.5Z", 1_704_067_200, 500_000_000),
        ("2024-01-01T23:59:59.9999999999Z", 1_704_153_599, 999_999_999),
        ("2024-01-01T23:59:60Z", 1_704_153_599, 0),
        ("2024-01-01T00:00:00-0130", 1_704_072_600, 0),
        ("2024-01-01", 1_704_067_200, 0),
        ("1969-12-31T23:59:59Z", -1, 0),
    ])
    func parses(text: String, seconds: Int64, nanos: Int32) throws {
        let t = try #require(Timestamp(rfc3339: text))
        #expect(t.seconds == seconds)
        #expect(t.nanoseconds == nanos)
    }

    @Test(arguments: [
        "", "yesterday", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00+",
        "2024-01-01T00:00:00ZZ", "2024-01-01T00:00:00.Z",
    ])
    func refuses(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func formatsUTCWithZ() {
        #expect(Timestamp(seconds: 1_704_153_599, nanoseconds: 120_000_000).rfc3339 == "2024-01-01T23:59:59.12Z")
        #expect(Timestamp(seconds: -1).rfc3339 == "1969-12-31T23:59:59Z")
        #expect(Day("2024-02-29")?.adding(days: 1).description == "2024-03-01")
        #expect(Day("2024-02-30") == nil)
    }
}
