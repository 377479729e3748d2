/// An instant in UTC, to the nanosecond, as read from an RFC 3339 date-time.
///
/// Fractional seconds are kept exactly as far as nanoseconds go and truncated beyond (never
/// rounded up), so a report that ends at `23:59:59.9999999999Z` stays on its day.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// Nanoseconds within the second, 0 ..< 1_000_000_000.
    public var nanoseconds: Int32

    /// Creates a timestamp from seconds since the epoch and nanoseconds within the second.
    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// The UTC calendar day this instant falls on.
    public var day: Day {
        Day(daysSinceEpoch: Int32(truncatingIfNeeded: Int64.floorDiv(seconds, 86_400)))
    }

    /// RFC 3339 in UTC with `Z`; fractional digits only when the instant has them.
    public var rfc3339: String {
        let day = self.day
        let secondsOfDay = Int(seconds - Int64(day.daysSinceEpoch) * 86_400)
        // Written as ASCII bytes at once: built from pieces, this took 1.5 % of a bulk ingest.
        var text = ASCIIText()
        guard day.write(to: &text) else { return slowRFC3339(day, secondsOfDay) }
        text.append(UInt8(ascii: "T"))
        text.twoDigits(secondsOfDay / 3600)
        text.append(UInt8(ascii: ":"))
        text.twoDigits(secondsOfDay / 60 % 60)
        text.append(UInt8(ascii: ":"))
        text.twoDigits(secondsOfDay % 60)
        if nanoseconds > 0 {
            text.append(UInt8(ascii: "."))
            var digits = Int(nanoseconds)
            var width = 9
            while digits % 10 == 0 {
                digits /= 10
                width -= 1
            }
            text.digits(digits, width: width)
        }
        text.append(UInt8(ascii: "Z"))
        return text.string
    }

    /// `rfc3339` for a year outside 0…9999 (only absurd reports have one).
    private func slowRFC3339(_ day: Day, _ secondsOfDay: Int) -> String {
        var s = day.description
        s += "T"
        s +=
            twoDigits(secondsOfDay / 3600) + ":" + twoDigits(secondsOfDay / 60 % 60) + ":"
            + twoDigits(secondsOfDay % 60)
        if nanoseconds > 0 {
            var frac = String(nanoseconds)
            frac = String(repeating: "0", count: 9 - frac.count) + frac
            while frac.hasSuffix("0") { frac.removeLast() }
            s += "." + frac
        }
        return s + "Z"
    }

    public var description: String { rfc3339 }

    /// Parses an RFC 3339 date-time, with the leniency real senders need:
    /// - no offset at all is read as UTC (Microsoft, 2023: `2023-01-10T00:00:00`; RFC 8460 §4.4
    ///   requires RFC 3339, which requires an offset);
    /// - a space or lower-case `t` between date and time, lower-case `z` (RFC 3339 §5.6 NOTE);
    /// - offsets written `+0000` or `+00`; a bare date (`2024-01-09`) as its midnight UTC;
    /// - a leap second `:60` is read as `:59` so the instant never moves to the next day.
    /// Returns nil for anything that is not a date at all.
    public init?(rfc3339 text: String) {
        guard let t = text.withBytes({ Timestamp.parse($0) }) else { return nil }
        self = t
    }

    static func parse(_ all: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        let (lo, hi) = trimmedBounds(all)
        let utf8 = UnsafeBufferPointer(rebasing: all[lo..<hi])
        var cur = TextCursor(text: utf8)
        guard let year = cur.digits(4), cur.expect(0x2D), let month = cur.digits(2), cur.expect(0x2D),
            let dayOfMonth = cur.digits(2)
        else { return nil }
        guard (1...12).contains(month), dayOfMonth >= 1, dayOfMonth <= Day.daysIn(month: month, year: year) else {
            return nil
        }
        let days = Day.daysFromCivil(year: year, month: month, day: dayOfMonth)
        var hour = 0
        var minute = 0
        var second = 0
        var nanos = 0
        var offsetSeconds = 0
        if cur.p < utf8.count {
            guard utf8[cur.p] == 0x54 || utf8[cur.p] == 0x74 || utf8[cur.p] == 0x20 else { return nil }
            cur.p += 1
            guard let h = cur.digits(2), cur.expect(0x3A), let m = cur.digits(2) else { return nil }
            hour = h
            minute = m
            if cur.expect(0x3A) {
                guard let s = cur.digits(2) else { return nil }
                second = s
                if cur.expect(0x2E) || cur.expect(0x2C) {
                    var count = 0
                    while cur.p < utf8.count, utf8[cur.p] &- 0x30 < 10 {
                        if count < 9 { nanos = nanos * 10 + Int(utf8[cur.p] - 0x30) }
                        count += 1
                        cur.p += 1
                    }
                    guard count > 0 else { return nil }
                    for _ in min(count, 9)..<9 { nanos *= 10 }
                }
            }
            guard hour < 24, minute < 60, second <= 60 else { return nil }
            if second == 60 { second = 59 }
            if cur.p < utf8.count {
                let c = utf8[cur.p]
                if c == 0x5A || c == 0x7A {
                    cur.p += 1
                } else if c == 0x2B || c == 0x2D {
                    cur.p += 1
                    guard let oh = cur.digits(2) else { return nil }
                    var om = 0
                    if cur.expect(0x3A) {
                        guard let m = cur.digits(2) else { return nil }
                        om = m
                    } else if cur.p < utf8.count {
                        guard let m = cur.digits(2) else { return nil }
                        om = m
                    }
                    guard oh < 24, om < 60 else { return nil }
                    offsetSeconds = (oh * 3600 + om * 60) * (c == 0x2D ? -1 : 1)
                } else {
                    return nil
                }
            }
            guard cur.p == utf8.count else { return nil }
        }
        return Timestamp(
            seconds: Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds),
            nanoseconds: Int32(nanos))
    }
}

/// A position in a date-time's text, for `Timestamp.parse` (a struct rather than local functions
/// capturing a variable, which cost a dynamic exclusivity check per call).
private struct TextCursor {
    let text: UnsafeBufferPointer<UInt8>
    var p = 0

    /// Reads exactly `n` decimal digits.
    @inline(__always)
    mutating func digits(_ n: Int) -> Int? {
        guard p + n <= text.count else { return nil }
        var v = 0
        for i in p..<(p + n) {
            let d = text[i] &- 0x30
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        p += n
        return v
    }

    /// Consumes `c` if it is next.
    @inline(__always)
    mutating func expect(_ c: UInt8) -> Bool {
        guard p < text.count, text[p] == c else { return false }
        p += 1
        return true
    }
}

/// A UTC calendar day, e.g. the day a report is filed under (the UTC date of its start).
public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int32

    /// Creates a day from its distance to 1970-01-01.
    public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    /// The day of a proleptic Gregorian date (a valid one: `month` 1…12, `day` within it).
    public init(year: Int, month: Int, day: Int) {
        daysSinceEpoch = Int32(clamping: Day.daysFromCivil(year: year, month: month, day: day))
    }

    /// Year, month (1…12) and day of the month (1…31).
    public var civil: (year: Int, month: Int, day: Int) { Day.civilFromDays(Int(daysSinceEpoch)) }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: String) {
        guard text.utf8.count == 10, let t = Timestamp(rfc3339: text) else { return nil }
        self = t.day
    }

    public static func < (a: Day, b: Day) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    /// The day `n` days later (earlier for negative `n`).
    public func adding(days n: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + Int32(n)) }

    /// Midnight UTC at the start of this day.
    public var start: Timestamp { Timestamp(seconds: Int64(daysSinceEpoch) * 86_400) }

    /// `YYYY-MM-DD`.
    public var description: String {
        var text = ASCIIText()
        if write(to: &text) { return text.string }
        let (y, m, d) = Day.civilFromDays(Int(daysSinceEpoch))
        var year = String(y)
        if year.count < 4 { year = String(repeating: "0", count: 4 - year.count) + year }
        return year + "-" + twoDigits(m) + "-" + twoDigits(d)
    }

    /// Appends `YYYY-MM-DD` to `text`; false (and nothing appended) for a year outside 0…9999.
    func write(to text: inout ASCIIText) -> Bool {
        let (y, m, d) = Day.civilFromDays(Int(daysSinceEpoch))
        guard (0...9999).contains(y) else { return false }
        text.digits(y, width: 4)
        text.append(UInt8(ascii: "-"))
        text.twoDigits(m)
        text.append(UInt8(ascii: "-"))
        text.twoDigits(d)
        return true
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = Day(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a day: \(text)"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

@inline(__always)
func twoDigits(_ v: Int) -> String { v < 10 ? "0" + String(v) : String(v) }

/// A short ASCII text built byte by byte in a fixed buffer (dates and times), made a `String`
/// once.
struct ASCIIText {
    private var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var count = 0

    /// Appends one byte (at most 32 in all).
    mutating func append(_ byte: UInt8) {
        precondition(count < 32)
        withUnsafeMutableBytes(of: &bytes) { $0[count] = byte }
        count += 1
    }

    /// Appends `value` (0 ≤ value < 10^width) in `width` decimal digits, zero-padded.
    mutating func digits(_ value: Int, width: Int) {
        var v = value
        var place = width - 1
        let start = count
        count += width
        precondition(count <= 32)
        withUnsafeMutableBytes(of: &bytes) { b in
            while place >= 0 {
                b[start + place] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                place -= 1
            }
        }
    }

    /// Appends `value` (0…99) as two digits.
    mutating func twoDigits(_ value: Int) { digits(value, width: 2) }

    var string: String {
        withUnsafeBytes(of: bytes) { String(decoding: $0.prefix(count), as: UTF8.self) }
    }
}

extension Int64 {
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
