import Foundation
import TLSRPT
import TLSRPTStore
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

/// `serve` against hostile bodies, `kill -9` under load, and an `ingest` writing the same
/// database at the same time.
@Suite(.serialized) struct ServerRobustnessTests {
    static let tools = ServerTests.tools

    /// Peak resident memory of a running process, from /proc (VmHWM), in MB.
    static func peakMegabytes(_ pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return -1 }
        return (Double(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1) / 1024
    }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs curl and openssl"))
    func hostileBodiesGetClearErrorsInBoundedMemory() throws {
        let server = try ServerProcess(["--rate-limit", "0"])
        defer { server.stop() }
        // Report bodies (the mail-shaped inputs are for the mail reader, not for POSTs).
        let bodies = HostileInputs.files().filter {
            $0.refused && !$0.name.hasSuffix(".eml") && !$0.name.hasSuffix(".mbox")
        }
        #expect(bodies.count == 15)
        var validIDs: [String] = []
        for (i, input) in bodies.enumerated() {
            let (status, body) = try server.post(input.bytes)
            let json = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: String]
            if input.name == "60mb.json" {
                // Over the 10 MB body cap: refused while it streams in, never held whole.
                #expect(status == 413, "\(input.name): \(status) \(body)")
                #expect(json?["message"]?.contains("request body is over the 10 MB cap") == true, "\(body)")
            } else {
                #expect(status == (input.kind == "too-large" ? 413 : 400), "\(input.name): \(status) \(body)")
                #expect(json?["error"] == input.kind, "\(input.name): \(body)")
                // The answer names the zip entry too, as the rejected-input record does.
                #expect(json?["message"]?.contains(input.reason) == true, "\(input.name): \(body)")
            }
            let id = "after-\(i)"
            let ok = try server.post(TestCompression.gzip(HostileInputs.report(id)))
            #expect(ok.0 == 200, "valid report after \(input.name): \(ok)")
            validIDs.append(id)
        }
        let peak = Self.peakMegabytes(server.process.processIdentifier)
        #expect(peak > 0 && peak <= 300, "server peak RSS \(peak) MB")
        #expect(try server.get("/healthz").0 == 200)
        #expect(server.stop() == 0)
        let store = try SQLiteStore(path: server.database)
        #expect(try store.reportIDs() == validIDs)
        let records = try store.rejectedInputs(limit: 100).reversed()
        #expect(records.count == bodies.count)
        #expect(records.allSatisfy { $0.channel == "https" })
        #expect(records.map(\.kind) == bodies.map(\.kind))
    }

    /// Posts reports from `workers` threads until told to stop or the server goes away; returns
    /// the report-ids answered 200.
    final class Load: @unchecked Sendable {
        let lock = NSLock()
        var acknowledged: [String] = []
        var statuses: [Int: Int] = [:]
        var stop = false
        let group = DispatchGroup()

        init(_ server: ServerProcess, workers: Int, perWorker: Int, prefix: String) {
            for worker in 0..<workers {
                group.enter()
                Thread.detachNewThread { [self] in
                    for i in 0..<perWorker {
                        if lock.withLock({ stop }) { break }
                        let id = "\(prefix)\(worker)-\(i)"
                        guard let (status, _) = try? server.post(TestCompression.gzip(HostileInputs.report(id)))
                        else { break }
                        lock.withLock {
                            statuses[status, default: 0] += 1
                            if status == 200 { acknowledged.append(id) }
                        }
                        if status == 0 || status == -1 { break }
                    }
                    group.leave()
                }
            }
        }

        func wait() { group.wait() }
    }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs curl and openssl"))
    func killNineUnderLoadLosesNoAcknowledgedReport() throws {
        let server = try ServerProcess(["--rate-limit", "0"])
        let load = Load(server, workers: 4, perWorker: 400, prefix: "k")
        // Kill once a good number of reports have been acknowledged.
        let deadline = Date().addingTimeInterval(60)
        while load.lock.withLock({ load.acknowledged.count }) < 40 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        load.wait()
        #expect(server.process.terminationReason == .uncaughtSignal)
        let acknowledged = Set(load.acknowledged)
        #expect(acknowledged.count >= 40)
        // The store opens cleanly after the crash (WAL recovery) and holds every report that
        // was answered 200.
        let store = try SQLiteStore(path: server.database)
        let stored = Set(try store.reportIDs())
        #expect(
            acknowledged.isSubset(of: stored), "\(acknowledged.subtracting(stored).count) acknowledged reports lost")
        #expect(try store.rollupMismatches() == 0)

        // A new server on the same database: the acknowledged reports are duplicates now.
        let again = try ServerProcess(["--rate-limit", "0"], database: server.database)
        defer { again.stop() }
        for id in acknowledged.sorted().prefix(20) {
            let (status, body) = try again.post(TestCompression.gzip(HostileInputs.report(id)))
            #expect(status == 200)
            #expect(body == #"{"status":"duplicate"}"#)
        }
    }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs curl and openssl"))
    func serveUnderLoadWhileIngestWritesTheSameDatabase() throws {
        let server = try ServerProcess(["--rate-limit", "0"])
        defer { server.stop() }
        // 1,500 reports for ingest, in small batches so its transactions interleave with the server's.
        let dir = try TestPaths.temporaryDirectory("ingest-while-serving")
        var g = SeededGenerator(seed: 5)
        let encoder = ReportEncoder(pretty: false)
        var ingestIDs = Set<String>()
        for i in 0..<1500 {
            let r = RandomReports.report(&g, index: 50_000 + i)
            ingestIDs.insert(r.reportID)
            try Data(TestCompression.gzip(encoder.encode(r))).write(
                to: dir.appendingPathComponent(String(format: "r%05d.json.gz", i)))
        }
        let load = Load(server, workers: 4, perWorker: 60, prefix: "s")
        let ingest = try CLI.run(["ingest", "--db", server.database, "--batch-size", "20", dir.path])
        load.wait()
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(!ingest.stderr.contains("locked"))
        #expect(ingest.stdout.hasPrefix("ingest: 1500 stored, 0 duplicate(s)"), "\(ingest.stdout)")
        #expect(load.statuses == [200: 240], "\(load.statuses)")
        #expect(server.stop() == 0)
        #expect(!server.log.contains("locked"))
        let store = try SQLiteStore(path: server.database)
        let stored = Set(try store.reportIDs())
        #expect(stored.count == 1740)
        #expect(ingestIDs.isSubset(of: stored))
        #expect(Set(load.acknowledged).isSubset(of: stored))
        #expect(try store.rollupMismatches() == 0)
    }
}
