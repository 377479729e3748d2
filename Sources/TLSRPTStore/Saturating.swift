extension Int64 {
    /// `self + other`, held at the largest or smallest value instead of overflowing (a
    /// report may claim 2^63 - 1 sessions; two of them must not stop an ingest or a summary).
    package func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// Adds `other`, saturating (`saturatingAdd`).
    package mutating func saturate(adding other: Int64) { self = saturatingAdd(other) }
}
