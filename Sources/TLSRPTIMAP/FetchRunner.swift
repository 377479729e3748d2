import Foundation
import IMAPClient
import Synchronization

/// SIGTERM and SIGINT as a flag: the first one asks the fetch to stop at the next safe point
/// (after the batch being read is committed) and wakes a connection waiting in IDLE.
public final class StopRequest: Sendable {
    private let state = Mutex<(stopped: Bool, interrupter: IMAPConnection.Interrupter?)>((false, nil))
    /// The signal sources, kept alive (set once, before any signal can come).
    private nonisolated(unsafe) var sources: [any DispatchSourceSignal] = []

    /// Creates a request that no signal has set yet.
    public init() {}

    /// Catches SIGTERM and SIGINT from now on.
    public func installSignalHandlers() {
        var made: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in stop() }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    /// Asks the fetch to stop.
    public func stop() {
        let interrupter = state.withLock { s -> IMAPConnection.Interrupter? in
            s.stopped = true
            return s.interrupter
        }
        interrupter?.interrupt()
    }

    /// Whether a stop was asked for.
    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// The connection to wake when a stop comes.
    func watch(_ connection: IMAPConnection?) {
        let stopped = state.withLock { s -> Bool in
            s.interrupter = connection?.interrupter
            return s.stopped
        }
        if stopped { connection?.interrupter.interrupt() }
    }
}

/// Runs a fetch: one pass, or (watch mode) a pass and then IDLE, a pass on every new message,
/// IDLE renewed before servers drop it, and reconnection with backoff when the connection drops.
public struct FetchRunner {
    let fetcher: MailboxFetcher
    let stop: StopRequest
    let log: (String) -> Void

    /// Creates a runner.
    public init(fetcher: MailboxFetcher, stop: StopRequest, log: @escaping (String) -> Void) {
        self.fetcher = fetcher
        self.stop = stop
        self.log = log
    }

    /// One pass over the folder, then logout. Errors are thrown as they come.
    public func runOnce() async throws {
        let (connection, selected) = try await fetcher.open()
        stop.watch(connection)
        defer { stop.watch(nil) }
        do {
            try await fetcher.pass(connection, selected)
        } catch {
            await connection.close()
            throw error
        }
        await connection.logout()
    }

    /// Watch mode: runs until a stop is asked for. A failure to log in or to trust the server
    /// on the first connection is thrown (a setting to fix); later, and for dropped
    /// connections and time-outs, it reconnects with backoff (1 s doubling up to
    /// `reconnectMaxSeconds`).
    public func watch() async throws {
        var first = true
        var backoff = 1.0
        while !stop.isStopped {
            var connection: IMAPConnection?
            do {
                let (c, selected) = try await fetcher.open()
                connection = c
                stop.watch(c)
                if !first { log("reconnected to \(fetcher.settings.mailbox)") }
                first = false
                backoff = 1
                c.sawNewMessages = false
                try await fetcher.pass(c, selected)
                while !stop.isStopped && !c.interrupted {
                    // Mail that arrived during the pass (an EXISTS among its answers) is read
                    // before waiting: IDLE would only report what comes after it starts.
                    if !c.sawNewMessages {
                        switch try await c.idle(seconds: fetcher.settings.idleRenewSeconds) {
                        case .interrupted: continue
                        case .timeout: continue  // renew IDLE
                        case .server: break
                        }
                    }
                    let again = try await c.select(fetcher.settings.mailbox.folder)
                    c.sawNewMessages = false  // (SELECT itself answers with EXISTS)
                    try await fetcher.pass(c, again)
                }
                stop.watch(nil)
                await c.logout()
                return
            } catch let error as IMAPError where !first || error.isTransient {
                stop.watch(nil)
                await connection?.close()
                if stop.isStopped { return }
                first = false
                log("\(fetcher.settings.mailbox): \(error); reconnecting in \(Int(backoff)) s")
                let deadline = Date().addingTimeInterval(backoff)
                while Date() < deadline && !stop.isStopped {
                    try? await Task.sleep(nanoseconds: 100_000_000)
                }
                backoff = min(backoff * 2, fetcher.settings.reconnectMaxSeconds)
            } catch {
                stop.watch(nil)
                await connection?.close()
                throw error
            }
        }
    }
}
