import Foundation
import Synchronization
import TLSRPTTestSupport
import Testing

/// `serve` on PostgreSQL keeps its promise: 200 only after the commit, 503 (not a crash) while
/// the database is down, and it recovers by itself when the database is back.
@Suite(
    .enabled(
        if: (PostgresTestServer.available && ServerTests.tools) || TestTools.toolsRequired,
        "needs PostgreSQL, curl and openssl"),
    .serialized)
struct PostgresServeTests {
    @Test func databaseStoppedAndRestartedUnderLoad() throws {
        let postgres = try PostgresTestServer()
        defer { postgres.stop() }
        let db = try postgres.newDatabase()
        let name = String(db.split(separator: "/").last!)
        let server = try ServerProcess(["--rate-limit", "0"], database: db, environment: postgres.environment)
        defer { _ = server.stop() }

        let statuses = Mutex<[(id: String, status: Int)]>([])
        let stop = Mutex(false)
        let group = DispatchGroup()
        for worker in 0..<3 {
            group.enter()
            Thread.detachNewThread {
                var i = 0
                while !stop.withLock({ $0 }) {
                    let id = "pg\(worker)-\(i)"
                    i += 1
                    let status =
                        (try? server.post(TestCompression.gzip(Array(HostileInputs.report(id).utf8))).0) ?? -1
                    statuses.withLock { $0.append((id, status)) }
                }
                group.leave()
            }
        }
        func count(_ status: Int) -> Int { statuses.withLock { $0.filter { $0.status == status }.count } }
        func waitFor(_ what: () -> Bool) {
            let deadline = Date().addingTimeInterval(60)
            while !what() && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        }
        waitFor { count(200) >= 30 }
        postgres.stop()
        let okBefore = count(200)
        waitFor { count(503) >= 10 }
        let unavailable = count(503)
        try postgres.start()
        waitFor { count(200) >= okBefore + 30 }
        stop.withLock { $0 = true }
        group.wait()

        #expect(unavailable >= 10)
        #expect(count(200) >= okBefore + 30, "the server did not recover: \(server.log)")
        let all = statuses.withLock { $0 }
        #expect(all.allSatisfy { [200, 503].contains($0.status) }, "\(Set(all.map(\.status)))")
        #expect(server.process.isRunning)
        // Every acknowledged report is stored, none twice.
        let stored = try postgres.psql("SELECT report_id FROM reports", database: name).split(separator: "\n")
            .map(String.init)
        #expect(Set(stored).count == stored.count)
        let acknowledged = Set(all.filter { $0.status == 200 }.map(\.id))
        #expect(acknowledged.isSubset(of: Set(stored)))
        // What was refused can be sent again: each is stored once, now or already.
        for (id, _) in all where !acknowledged.contains(id) {
            let (status, _) = try server.post(TestCompression.gzip(Array(HostileInputs.report(id).utf8)))
            #expect(status == 200)
        }
        let after = try postgres.psql("SELECT COUNT(*), COUNT(DISTINCT report_id) FROM reports", database: name)
        #expect(after == "\(all.count)|\(all.count)\n")
        let verify = try CLI.run(["verify", "--db", db], environment: postgres.environment)
        #expect(verify.stdout.contains("rollups exact"), "\(verify.stdout)")
    }

    /// Two `serve` processes on one database, sent overlapping reports at once (as two
    /// receivers behind a load balancer are, when a sender retries): each report stored once,
    /// every second copy a duplicate, the rollups exact.
    @Test func twoReceiversOnOneDatabase() throws {
        let postgres = try PostgresTestServer.shared()
        let db = try postgres.newDatabase()
        let name = String(db.split(separator: "/").last!)
        let servers = [
            try ServerProcess(["--rate-limit", "0"], database: db, environment: postgres.environment),
            try ServerProcess(["--rate-limit", "0"], database: db, environment: postgres.environment),
        ]
        defer { for s in servers { _ = s.stop() } }
        // Receiver 0 is sent reports 0..<200, receiver 1 reports 100..<300 (newest first).
        let plans = [Array(0..<200), Array(100..<300).reversed()]
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            let server = servers[worker % 2]
            let ids = plans[worker % 2].enumerated().filter { $0.offset % 2 == worker / 2 }.map(\.element)
            for id in ids {
                let body = TestCompression.gzip(Array(HostileInputs.report("lb-\(id)").utf8))
                let status = (try? server.post(body).0) ?? -1
                statuses.withLock { $0.append(status) }
            }
        }
        #expect(statuses.withLock { $0 } == [Int](repeating: 200, count: 400))
        #expect(
            try postgres.psql("SELECT COUNT(*), COUNT(DISTINCT report_id) FROM reports", database: name) == "300|300\n")
        #expect(
            try postgres.psql("SELECT outcome, COUNT(*) FROM receipts GROUP BY 1", database: name) == "duplicate|100\n")
        let verify = try CLI.run(["verify", "--db", db], environment: postgres.environment)
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("300 report(s)"), "\(verify.stdout)")
        #expect(verify.stdout.contains("rollups exact"), "\(verify.stdout)")
    }
}
