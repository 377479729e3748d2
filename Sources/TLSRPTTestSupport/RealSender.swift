import Foundation
import Synchronization
import TLSRPT

/// Runs ../shared/tools/realsender (sys4's tlsrpt-reporter end to end) and reads what it says
/// every report must contain, so tests compare our totals with the real sender's.
public enum RealSender {
    /// Totals of one report, keyed the way a collector shows them.
    public struct Totals: Equatable, Sendable, CustomStringConvertible {
        /// "type domain" → (successful, failed).
        public var policies: [String: [Int64]] = [:]
        /// result-type → sum of failed-session-count.
        public var resultTypes: [String: Int64] = [:]
        public init() {}
        public var description: String {
            "policies \(policies.sorted { $0.key < $1.key }) results \(resultTypes.sorted { $0.key < $1.key })"
        }
    }

    /// What expected.json says.
    public struct Expected: Sendable {
        public var directory: URL
        /// report-id → totals, for reports delivered by mail.
        public var mailed: [String: Totals] = [:]
        /// report-id → totals, for reports delivered by HTTPS.
        public var posted: [String: Totals] = [:]
        /// Number of mail messages written (a report to two mailto ruas is two messages).
        public var messages: Int = 0
        /// Number of POSTs made.
        public var posts: Int = 0
        public var organizationName: String = ""
    }

    private static let cache = Mutex<[String: Expected]>([:])

    /// Whether the tool is present beside the checkout.
    public static var available: Bool {
        guard let dir = TestPaths.realSender else { return false }
        return FileManager.default.fileExists(atPath: dir.appendingPathComponent("make_reports.sh").path)
    }

    /// Runs the tool once per argument list (cached for the test process) and reads expected.json.
    public static func run(_ arguments: [String] = [], environment: [String: String] = [:]) throws -> Expected {
        let key = arguments.joined(separator: " ") + environment.description
        // One run at a time: concurrent runs of the tool share its venv and local ports.
        return try cache.withLock { (cache: inout [String: Expected]) throws -> Expected in
            if let hit = cache[key] { return hit }
            guard let tool = TestPaths.realSender?.appendingPathComponent("make_reports.sh") else {
                throw NSError(domain: "RealSender", code: 1, userInfo: [NSLocalizedDescriptionKey: "no ../shared"])
            }
            let out = try TestPaths.temporaryDirectory("realsender")
            // Test threads block signals and a spawned child inherits that mask; the tool drives
            // tlsrpt-collectd with SIGUSR2, so unblock everything before exec'ing it.
            let unblock =
                "import os, signal, sys; signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals()); os.execvp(sys.argv[1], sys.argv[1:])"
            let result = try TestTools.run(
                "python3", ["-c", unblock, "bash", tool.path, "-o", out.path] + arguments, environment: environment)
            guard result.status == 0 else {
                throw NSError(
                    domain: "RealSender", code: Int(result.status),
                    userInfo: [
                        NSLocalizedDescriptionKey:
                            "make_reports.sh exited \(result.status): \(result.stdout.suffix(3000)) \(result.stderr.suffix(3000))"
                    ])
            }
            let expected = try read(out)
            cache[key] = expected
            return expected
        }
    }

    /// Reads OUTDIR/expected.json.
    public static func read(_ dir: URL) throws -> Expected {
        let data = try Data(contentsOf: dir.appendingPathComponent("expected.json"))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        var e = Expected(directory: dir)
        e.messages = (root["mail"] as? [String: Any])?["messages"] as? Int ?? 0
        e.posts = (root["https"] as? [String: Any])?["posts"] as? Int ?? 0
        e.organizationName = root["organization-name"] as? String ?? ""
        for report in root["reports"] as? [[String: Any]] ?? [] {
            guard report["deliverable"] as? Bool == true, let id = report["report-id"] as? String else { continue }
            let topDomain = report["policy-domain"] as? String ?? ""
            // A policy without policy-domain (no-policy-found from Postfix) takes the mail's
            // TLS-Report-Domain, which is the report's top-level policy-domain here. An HTTPS
            // POST has no such header, so there the domain stays "" (DESIGN.md, "Values").
            let mailTotals = totals(report, fallbackDomain: topDomain)
            let postTotals = totals(report, fallbackDomain: "")
            let ruas = report["ruas"] as? [String] ?? []
            if ruas.contains(where: { $0.hasPrefix("mailto:") }) { e.mailed[id] = mailTotals }
            if ruas.contains(where: { $0.hasPrefix("https:") }) { e.posted[id] = postTotals }
        }
        return e
    }

    static func totals(_ report: [String: Any], fallbackDomain: String) -> Totals {
        var totals = Totals()
        for entry in report["policies"] as? [[String: Any]] ?? [] {
            let policy = entry["policy"] as? [String: Any] ?? [:]
            let type = normalizeDomain(policy["policy-type"] as? String ?? "")
            var domain = normalizeDomain(policy["policy-domain"] as? String ?? "")
            if domain.isEmpty { domain = fallbackDomain }
            let summary = entry["summary"] as? [String: Any] ?? [:]
            let ok = Int64(summary["total-successful-session-count"] as? Int ?? 0)
            let failed = Int64(summary["total-failure-session-count"] as? Int ?? 0)
            let k = "\(type) \(domain)"
            let old = totals.policies[k] ?? [0, 0]
            totals.policies[k] = [old[0] + ok, old[1] + failed]
            for d in entry["failure-details"] as? [[String: Any]] ?? [] {
                let rt = normalizeDomain(d["result-type"] as? String ?? "")
                totals.resultTypes[rt, default: 0] += Int64(d["failed-session-count"] as? Int ?? 0)
            }
        }
        return totals
    }

    /// The same totals computed from a parsed report.
    public static func totals(of report: Report) -> Totals {
        var t = Totals()
        for p in report.policies {
            let k = "\(p.type.rawValue) \(p.domain)"
            let old = t.policies[k] ?? [0, 0]
            t.policies[k] = [old[0] + p.successfulSessionCount, old[1] + p.failedSessionCount]
            for d in p.failureDetails { t.resultTypes[d.resultType.rawValue, default: 0] += d.failedSessionCount }
        }
        return t
    }
}
