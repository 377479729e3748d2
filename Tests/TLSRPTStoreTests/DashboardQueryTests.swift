import Foundation
import TLSRPT
import TLSRPTStore
import TLSRPTTestSupport
import Testing

/// The store queries the dashboard reads, checked against the summaries they must agree with.
@Suite struct DashboardQueryTests {
    func filledStore() throws -> any ReportStore {
        let db = try TestBackend.newDatabase("dashboard-queries")
        let r = try CLI.run(["ingest", "--db", db, CLITests.samples])
        #expect(r.status == 0, "\(r.stderr)")
        return try openStore(db)
    }

    @Test func dailySummariesAddUpToTheRangeSummary() throws {
        let store = try filledStore()
        let days = try #require(try store.reportDays())
        let filter = ReportFilter(since: days.lowerBound, until: days.upperBound)
        let daily = try store.dailySummaries(filter, topHosts: 0)
        var ok: [String: Int64] = [:]
        var failed: [String: Int64] = [:]
        var types: [String: [String: Int64]] = [:]
        for (_, summaries) in daily {
            for s in summaries {
                ok[s.policyDomain, default: 0] += s.successfulSessionCount
                failed[s.policyDomain, default: 0] += s.failedSessionCount
                for (t, n) in s.resultTypes { types[s.policyDomain, default: [:]][t, default: 0] += n }
            }
        }
        let whole = try store.summary(filter, topHosts: 0)
        #expect(!whole.isEmpty)
        for s in whole {
            #expect(ok[s.policyDomain] == s.successfulSessionCount, "\(s.policyDomain)")
            #expect(failed[s.policyDomain] == s.failedSessionCount, "\(s.policyDomain)")
            #expect((types[s.policyDomain] ?? [:]) == s.resultTypes, "\(s.policyDomain)")
        }
        #expect(Set(ok.keys) == Set(whole.map(\.policyDomain)))
    }

    @Test func reportListPagesAndFilters() throws {
        let store = try filledStore()
        let all = try store.listReports(ReportFilter(), offset: 0, limit: 1000)
        #expect(all.total == (try store.counts().reports))
        #expect(all.reports.count == all.total)
        #expect(all.reports.map(\.day) == all.reports.map(\.day).sorted(by: >))
        let first = try store.listReports(ReportFilter(), offset: 0, limit: 2)
        let second = try store.listReports(ReportFilter(), offset: 2, limit: 2)
        #expect(first.total == all.total)
        #expect(first.reports.map(\.id) + second.reports.map(\.id) == Array(all.reports.prefix(4).map(\.id)))
        // Sessions of the listed reports of a domain equal that domain's summary.
        let whole = try store.summary(ReportFilter(), topHosts: 0)
        let domain = try #require(whole.first { !$0.policyDomain.isEmpty })
        let listed = try store.listReports(ReportFilter(domains: [domain.policyDomain]), offset: 0, limit: 1000)
        #expect(listed.total > 0)
        #expect(listed.reports.allSatisfy { $0.domains.contains(domain.policyDomain) })
        if let type = domain.resultTypes.keys.sorted().first {
            let typed = try store.listReports(ReportFilter(resultTypes: [type]), offset: 0, limit: 1000)
            #expect(typed.total > 0)
            #expect(typed.reports.allSatisfy { $0.resultTypes.contains(type) })
        }
        // The policies seen count every policy of the domain once.
        let seen = try store.policiesSeen(ReportFilter(domains: [domain.policyDomain]))
        #expect(seen.reduce(0) { $0 + $1.policyCount } == domain.policyCount)
        // A stored report by its id.
        let report = try #require(try store.storedReport(id: all.reports[0].id))
        #expect(report.report.reportID == all.reports[0].reportID)
        #expect(try store.storedReport(id: 0) == nil)
    }
}
