import TLSRPT

/// The store as the commands, the HTTPS receiver and every input use it, whichever database is
/// behind it: reports with their raw bytes and the copies received, rejected inputs, where
/// remote inputs left off, and the rollups summaries are read from. A backend keeps its SQL to
/// itself; what every backend shares (the content hash, the rollup changes of a batch, the
/// digest's arithmetic) is in this module.
public protocol ReportStore: AnyObject, Sendable {
    /// Where the database is, for messages: a file path, or a URL without its password.
    var location: String { get }

    /// Writes `items` in one transaction, with their rollup changes (`rollups`, gathered as
    /// they were queued; a copy found already stored has its share taken back) and, when given,
    /// an input's `position`: all or nothing. Returns each item's outcome, in order, and the
    /// counts. A report is stored once, however many writers offer it at once.
    func commit(_ items: [StoreItem], rollups: RollupDelta, position: InputPosition?, receivedAt: Int64)
        throws -> ([IngestOutcome], IngestTally)

    /// Called before a bulk ingest's batches: whatever the backend does alongside them (SQLite
    /// checkpoints its log on a thread of its own), stopped with the returned value; nil when
    /// nothing.
    func beginBulkWrite() -> (any BulkWrite)?

    /// The position last recorded for `source`, if any.
    func inputPosition(_ source: String) throws -> InputPosition?

    /// Records `position` in its own transaction (`commit` records it with the reports it covers).
    func recordInputPosition(_ position: InputPosition, at time: Int64) throws

    /// Per-domain summaries for `filter`, ordered by domain, with at most `topHosts` failing MX
    /// hosts each.
    func summary(_ filter: ReportFilter, topHosts: Int) throws -> [DomainSummary]

    /// The digest for `day`, optionally for some domains only; with `dkimPassOnly`, of the
    /// DKIM-verified reports only.
    func digest(day: Day, domains: [String], dkimPassOnly: Bool) throws -> Digest

    /// Per UTC day from `filter.since` to `filter.until` (both needed; nothing without them),
    /// the per-domain summaries of that day alone, from the day rollups: days without reports
    /// are left out. The dashboard's daily charts.
    func dailySummaries(_ filter: ReportFilter, topHosts: Int) throws -> [Day: [DomainSummary]]

    /// Per day from `filter.since` to `filter.until` (both needed), the sessions of all
    /// domains and of each (the digest's series; the dashboard's sparklines).
    func dailySessions(_ filter: ReportFilter) throws -> (total: [DailyPoint], byDomain: [String: [DailyPoint]])

    /// The first and last day of the stored reports; nil when there are none.
    func reportDays() throws -> ClosedRange<Day>?

    /// The reports `filter` selects (its dates, domains, reporters and result types: a report
    /// with a policy for one of the domains, a failure of one of the types), newest day
    /// first, `limit` of them from `offset`, with how many there are in all.
    func listReports(_ filter: ReportFilter, offset: Int, limit: Int) throws -> ReportListPage

    /// The policies senders applied to the reports `filter` selects (dates, domains, reporters).
    func policiesSeen(_ filter: ReportFilter) throws -> [PolicySeen]

    /// Calls `row` for every row of `table` that `filter` selects, in a stable order.
    func export(_ table: ExportTable, _ filter: ReportFilter, _ row: (ExportRow) throws -> Void) throws

    /// The newest rejected inputs first, at most `limit`, received at or after `since`.
    func rejectedInputs(limit: Int, since: Int64?) throws -> [RejectedInput]

    /// The kept bytes of rejected input `id`; nil when there is no such input.
    func rejectedBytes(id: Int64) throws -> [UInt8]?

    /// How many rows each table holds.
    func counts() throws -> StoreCounts

    /// Every stored report's id, sorted.
    func reportIDs() throws -> [String]

    /// The stored bytes (gzip) of a report.
    func rawReport(organizationName: String, reportID: String) throws -> [UInt8]?

    /// Every copy received of a report, first one first.
    func copiesReceived(organizationName: String, reportID: String) throws -> [ReceivedCopy]

    /// Whether any copy of the report passed DKIM.
    func isDKIMVerified(organizationName: String, reportID: String) throws -> Bool

    /// Deletes reports of days before `cutoff`, and rejected inputs received before it.
    func prune(before cutoff: Day) throws -> PruneResult

    /// Rollup cells that differ from the reports they are made of (0 when the rollups are exact).
    func rollupMismatches() throws -> Int

    /// The database's own integrity check: `["ok"]` when it is sound.
    func fileCheck() throws -> [String]

    /// Stored reports with a row id above `after`, at most `limit`, in id order, every column
    /// and every copy received (`tlsrpt copy-db`).
    func storedReports(after: Int64, limit: Int) throws -> [StoredReport]

    /// Rejected inputs with a row id above `after`, at most `limit`, in id order.
    func storedRejectedInputs(after: Int64, limit: Int) throws -> [StoredRejectedInput]

    /// Every input position, with the time it was recorded.
    func storedInputPositions() throws -> [(position: InputPosition, updatedAt: Int64)]

    /// Adds what another database holds, in one transaction, rollups included: a report whose
    /// identity is already here is left as it is (so copying twice adds nothing), a rejected
    /// input already here (same time, source, kind, reason and size) too; positions replace.
    func insertCopies(
        _ reports: [StoredReport], rejected: [StoredRejectedInput],
        positions: [(position: InputPosition, updatedAt: Int64)]
    ) throws -> CopyTally
}

/// What a backend does alongside a bulk ingest, until stopped.
public protocol BulkWrite: Sendable {
    /// Stops it (waits until it has).
    func stop()
}

extension ReportStore {
    /// `summary(_:topHosts:)` with the top five hosts.
    public func summary(_ filter: ReportFilter) throws -> [DomainSummary] {
        try summary(filter, topHosts: 5)
    }

    /// `digest(day:domains:dkimPassOnly:)` of every domain and report.
    public func digest(day: Day, domains: [String] = []) throws -> Digest {
        try digest(day: day, domains: domains, dkimPassOnly: false)
    }

    /// `rejectedInputs(limit:since:)` of any time, the newest 100 unless told.
    public func rejectedInputs(limit: Int = 100) throws -> [RejectedInput] {
        try rejectedInputs(limit: limit, since: nil)
    }

    /// The stored report with row id `id`, every column and copy; nil when there is none.
    public func storedReport(id: Int64) throws -> StoredReport? {
        guard id > 0, let first = try storedReports(after: id - 1, limit: 1).first, first.sourceID == id else {
            return nil
        }
        return first
    }

    /// `commit` without an input position.
    public func commit(_ items: [StoreItem], rollups: RollupDelta, receivedAt: Int64) throws
        -> ([IngestOutcome], IngestTally)
    {
        try commit(items, rollups: rollups, position: nil, receivedAt: receivedAt)
    }
}
