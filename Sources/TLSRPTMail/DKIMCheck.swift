@_exported import MailAuthentication
import Synchronization

/// How mail messages are checked: the mode, and what gives a message its verdict (the DKIM
/// verifier with its keys from DNS, in the command line tool).
public struct DKIMCheck: Sendable {
    /// What is done with the verdicts.
    public var mode: DKIMMode
    /// Gives a whole message its verdict.
    public var authenticator: any MessageAuthenticator

    /// Creates a check.
    public init(mode: DKIMMode, authenticator: any MessageAuthenticator) {
        self.mode = mode
        self.authenticator = authenticator
    }

    /// The verdict on one whole message (nil when the mode is `off`).
    public func verdict(_ message: [UInt8]) -> DKIMVerdict? {
        mode == .off ? nil : authenticator.verdict(message)
    }
}

/// The DKIM verdict on one mail message, computed when first asked for — on whichever
/// decoding thread gets there first (`IngestSession.ingest` decodes on every core), not on the
/// walk's thread — and shared by all the reports the message holds.
public final class PendingVerdict: Sendable {
    private enum State {
        case pending([UInt8])
        case done(DKIMVerdict?)
    }

    private let check: DKIMCheck
    private let state: Mutex<State>
    /// The whole message, kept only where `--dkim require` may refuse its reports.
    private let kept: [UInt8]?

    /// The verdict on `message` under `check`, to be computed later.
    public init(message: [UInt8], check: DKIMCheck) {
        self.check = check
        state = Mutex(.pending(message))
        kept = check.mode == .require ? message : nil
    }

    /// Whether reports may be stored only with a `pass` (`--dkim require`).
    public var required: Bool { check.mode == .require }

    /// The verdict (nil under `--dkim off`), computed once.
    public var verdict: DKIMVerdict? {
        state.withLock { state in
            switch state {
            case .done(let verdict):
                return verdict
            case .pending(let message):
                let verdict = check.verdict(message)
                state = .done(verdict)
                return verdict
            }
        }
    }

    /// The whole message when it may be refused (`required`), for the rejected input.
    public var message: [UInt8]? { kept }
}
