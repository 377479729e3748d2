import TLSRPT
import TLSRPTMail
import TLSRPTStore

/// An item as read, with the store's form of it made beside it (on a decoding thread: the
/// content hash, the gzip to keep, the row texts), so the writer holds the lock only for SQL.
struct PreparedItem: Sendable {
    /// The item as the reader produced it (for callers that look at each one).
    var item: ExtractedItem
    /// What is stored.
    var stored: StoreItem
    /// The bytes the item brings into memory, for the batch's byte limit.
    var payloadBytes = 0

    init(_ item: ExtractedItem) {
        self.item = item
        switch item {
        case .report(let report, let payload):
            stored = .report(
                report, bytes: payload.bytes, source: payload.provenance.description,
                channel: payload.channel.rawValue, messageID: payload.mail?.messageID,
                dkim: StoredVerdict(payload))
            payloadBytes = payload.bytes.count
        case .rejected(let provenance, let error, let bytes, let channel):
            stored = .rejected(error, bytes: bytes, source: provenance.description, channel: channel.rawValue)
        case .messageWithoutReport(let provenance, _):
            stored = .messageWithoutReport(source: provenance.description)
        }
    }
}

extension StoredVerdict {
    /// The verdict of the copy `payload` is: `n/a` when it did not come by mail, nothing when
    /// its mail was not checked.
    init(_ payload: Payload) {
        guard payload.channel == .mail else {
            self = .notApplicable
            return
        }
        guard let verdict = payload.dkim else {
            self.init()
            return
        }
        switch verdict {
        case .pass(let d, let s):
            self.init(name: verdict.name, domain: d, selector: s)
        case .fail(let why), .temperror(let why):
            self.init(name: verdict.name, reason: why)
        case .none:
            self.init(name: verdict.name)
        }
    }
}
