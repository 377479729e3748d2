import TLSRPT

/// The three grains every rollup is kept at.
package enum RollupGrain: CaseIterable {
    case day, month, total

    /// Table-name suffix.
    package var suffix: String {
        switch self {
        case .day: return "_day"
        case .month: return "_month"
        case .total: return "_total"
        }
    }
}

/// Rollup periods are integers: `YYYYMMDD` for a day, `YYYYMM` for a month, 0 for all time
/// (schema v2). They order like the dates they stand for.
package enum RollupPeriod {
    /// The all-time period.
    package static let allTime: Int64 = 0

    /// `YYYYMMDD` of `day`.
    package static func day(_ day: Day) -> Int64 {
        let (y, m, d) = day.civil
        return Int64(y) * 10_000 + Int64(m) * 100 + Int64(d)
    }

    /// `YYYYMM` of the month of `day`.
    package static func month(_ day: Day) -> Int64 {
        let (y, m, _) = day.civil
        return Int64(y) * 100 + Int64(m)
    }

    /// The `YYYYMM` month of a `YYYYMMDD` day period.
    package static func monthOf(_ dayPeriod: Int64) -> Int64 { dayPeriod / 100 }

    /// The day a `YYYYMMDD` period stands for.
    package static func dayOf(_ period: Int64) -> Day {
        Day(year: Int(period / 10_000), month: Int(period / 100 % 100), day: Int(period % 100))
    }
}
