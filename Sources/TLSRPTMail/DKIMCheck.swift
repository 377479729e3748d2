import DKIM
import Synchronization

/// What `--dkim` asks of reports that came in a mail (RFC 8460 §3: "Reports sent via SMTP MUST
/// contain a valid DKIM signature by the reporting domain").
public enum DKIMMode: String, Sendable, CaseIterable {
    /// No check: no verdict is recorded.
    case off
    /// Every mailed report gets a verdict, stored with its copy; none is refused for it.
    case record
    /// A mailed report without a `pass` verdict is not stored: it becomes a rejected input of
    /// kind `dkim` with the verdict as its reason and the whole mail message as its bytes.
    case require
}

/// How mail messages are checked: the mode, the verifier and where its keys come from (DNS,
/// cached for the run, in the command line tool).
public struct DKIMCheck: Sendable {
    /// What is done with the verdicts.
    public var mode: DKIMMode
    /// The RFC 6376 / RFC 8460 verifier.
    public var verifier: DKIMVerifier
    /// The key record at a name (`SELECTOR._domainkey.DOMAIN`).
    public var keys: @Sendable (String) -> DKIMKeyAnswer

    /// Creates a check.
    public init(
        mode: DKIMMode, verifier: DKIMVerifier = DKIMVerifier(), keys: @escaping @Sendable (String) -> DKIMKeyAnswer
    ) {
        self.mode = mode
        self.verifier = verifier
        self.keys = keys
    }

    /// The verdict on one whole message (nil when the mode is `off`).
    public func verdict(_ message: [UInt8]) -> DKIMVerdict? {
        mode == .off ? nil : verifier.verify(message, keys: keys)
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
