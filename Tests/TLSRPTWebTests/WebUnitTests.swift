import Foundation
import HummingbirdBcrypt
import TLSRPT
import Testing

@testable import TLSRPTWeb

/// The dashboard's parts without a server: query strings, the loopback rule, htpasswd files,
/// the authentication gate, escaping.
@Suite struct WebUnitTests {
    @Test func queryParametersAndTheirErrors() throws {
        let q = try WebQuery([
            ("since", "2026-11-01"), ("until", "2026-11-30"), ("domain", "example.com"), ("domain", " b.example "),
            ("reporter", "Google Inc."), ("result_type", "certificate-expired"), ("page", "3"), ("other", "x"),
        ])
        #expect(q.since == Day("2026-11-01"))
        #expect(q.until == Day("2026-11-30"))
        #expect(q.domains == ["example.com", "b.example"])
        #expect(q.reporters == ["Google Inc."])
        #expect(q.resultTypes == ["certificate-expired"])
        #expect(q.page == 3)
        #expect(q.days.count == 30)
        #expect(
            WebURL.with("/reports", q.pairs(page: 2))
                == "/reports?since=2026-11-01&until=2026-11-30&domain=example.com&domain=b.example&reporter=Google%20Inc.&result_type=certificate-expired&page=2"
        )
        // Empty fields (a submitted form) are no filter.
        #expect(try WebQuery([("since", ""), ("domain", ""), ("page", "")]) == WebQuery())
        for (pairs, message) in [
            ([("since", "yesterday")], "since=yesterday is not a date (YYYY-MM-DD)"),
            ([("until", "2026-02-30")], "until=2026-02-30 is not a date (YYYY-MM-DD)"),
            ([("page", "-1")], "page=-1 is not a page number"),
            ([("since", "2026-11-02"), ("until", "2026-11-01")], "since=2026-11-02 is after until=2026-11-01"),
        ] {
            #expect(throws: WebError.self) { try WebQuery(pairs) }
            do {
                _ = try WebQuery(pairs)
            } catch let e as WebError {
                #expect(e.description == message)
            }
        }
    }

    @Test func defaultRangeIsTheThirtyDaysUpToTheNewestReport() throws {
        let today = Day("2026-12-04")!
        let q = WebQuery().withRange(newest: Day("2026-11-22"), today: today)
        #expect(q.since == Day("2026-10-24"))
        #expect(q.until == Day("2026-11-22"))
        #expect(WebQuery().withRange(newest: nil, today: today).until == today)
        // Only `since` given: up to the newest report, or `since` itself when that is later.
        var s = WebQuery()
        s.since = Day("2026-12-01")
        #expect(s.withRange(newest: Day("2026-11-22"), today: today).until == Day("2026-12-01"))
        s.since = Day("2026-01-01")
        #expect(s.withRange(newest: Day("2026-11-22"), today: today).until == Day("2026-11-22"))
    }

    @Test func loopbackAddresses() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "LOCALHOST"] {
            #expect(WebConfiguration.isLoopback(host), "\(host)")
        }
        for host in ["0.0.0.0", "::", "192.0.2.1", "127.0.0.1.example", "128.0.0.1", "", "127.0.0.256"] {
            #expect(!WebConfiguration.isLoopback(host), "\(host)")
        }
    }

    @Test func htpasswdFilesAndTheGate() throws {
        let hash = Bcrypt.hash("s3cret", cost: 4)
        // htpasswd -B writes $2y$; the same hash under that name must pass.
        let y = "$2y$" + hash.dropFirst(4)
        let users = try Htpasswd(text: "# team\n\nalice:\(y)\nbob:\(hash)\n", source: "users")
        #expect(users.check(user: "alice", password: "s3cret"))
        #expect(users.check(user: "bob", password: "s3cret"))
        #expect(!users.check(user: "alice", password: "S3cret"))
        #expect(!users.check(user: "carol", password: "s3cret"))
        for (text, message) in [
            ("alice\n", "--auth-file users, line 1: not `user:hash`"),
            (
                "alice:{SHA}abc=\n",
                "--auth-file users, line 1: user alice has no bcrypt hash (make the file with `htpasswd -B`)"
            ),
            ("# nobody\n", "--auth-file users: no users"),
        ] {
            do {
                _ = try Htpasswd(text: text, source: "users")
                Issue.record("accepted \(text)")
            } catch let e as WebError {
                #expect(e.description == message)
            }
        }
        let gate = AuthGate(users: users)
        let good = "Basic " + Data("alice:s3cret".utf8).base64EncodedString()
        #expect(gate.check(authorization: nil, address: "a") == .denied(delay: 0))
        #expect(gate.check(authorization: good, address: "a") == .allowed(user: "alice"))
        // A header that is not Basic counts as a failure (the first: no delay yet).
        #expect(gate.check(authorization: "Bearer xyz", address: "d") == .denied(delay: 0))
        let wrong = "Basic " + Data("alice:nope".utf8).base64EncodedString()
        for i in 0..<AuthGate.lockAfter {
            #expect(gate.check(authorization: wrong, address: "b") == .denied(delay: min(5, 0.25 * Double(i))))
        }
        #expect(gate.check(authorization: good, address: "b") == .locked)
        // Another address is not locked by b's failures.
        #expect(gate.check(authorization: good, address: "c") == .allowed(user: "alice"))
        #expect(AuthGate.basicCredentials("basic " + Data("u:p:q".utf8).base64EncodedString())! == ("u", "p:q"))
    }

    @Test func textIsEscapedInElementsAndAttributes() {
        var html = HTML()
        html.element("td", ["data-x": "\"><script>"], text: "<img src=x onerror=alert(1)> & 'q'")
        #expect(!html.output.contains("<img"))
        #expect(!html.output.contains("<script>"))
        #expect(html.output.hasPrefix("<td data-x=\"&quot;&gt;&lt;script&gt;\">&lt;img"))
        #expect(WebURL.domain("") == "/domain/-")
        #expect(WebURL.domain("a b/../c") == "/domain/a%20b%2F..%2Fc")
    }
}
