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

    /// The formatting of the versions before 2026-11-24 (strings built piece by piece): dates
    /// and times in stored rows and exports must come out the same.
    static func reference(_ t: Timestamp) -> String {
        func two(_ v: Int) -> String { v < 10 ? "0" + String(v) : String(v) }
        let day = t.day
        let (y, m, d) = day.civil
        var year = String(y)
        if year.count < 4 { year = String(repeating: "0", count: 4 - year.count) + year }
        let secondsOfDay = Int(t.seconds - Int64(day.daysSinceEpoch) * 86_400)
        var s = year + "-" + two(m) + "-" + two(d) + "T"
        s += two(secondsOfDay / 3600) + ":" + two(secondsOfDay / 60 % 60) + ":" + two(secondsOfDay % 60)
        if t.nanoseconds > 0 {
            var frac = String(t.nanoseconds)
            frac = String(repeating: "0", count: 9 - frac.count) + frac
            while frac.hasSuffix("0") { frac.removeLast() }
            s += "." + frac
        }
        return s + "Z"
    }

    @Test func formatsAsBefore() {
        var g = SystemRandomNumberGenerator()
        // Years 0 to 9999 take the fast path, the rest (absurd reports) the old one.
        let edges: [Int64] = [
            0, -1, 86_399, 86_400, -62_167_219_200, -62_167_219_201, 253_402_300_799, 253_402_300_800,
            -80_000_000_000, 300_000_000_000,
        ]
        var seen = 0
        for i in 0..<20_000 {
            let seconds = i < edges.count ? edges[i] : Int64.random(in: -70_000_000_000...260_000_000_000, using: &g)
            let nanos: Int32 = [
                0, 1, 10, 500_000_000, 999_999_999, 120_000_000, Int32.random(in: 1..<1_000_000_000, using: &g),
            ][i % 7]
            let t = Timestamp(seconds: seconds, nanoseconds: nanos)
            #expect(t.rfc3339 == Self.reference(t), "\(seconds) \(nanos)")
            #expect(t.day.description == String(Self.reference(t).split(separator: "T")[0]))
            seen += 1
        }
        #expect(seen == 20_000)
        #expect(Timestamp(seconds: -62_167_219_200).rfc3339 == "0000-01-01T00:00:00Z")
        #expect(Timestamp(seconds: 253_402_300_799, nanoseconds: 1).rfc3339 == "9999-12-31T23:59:59.000000001Z")
    }
}
