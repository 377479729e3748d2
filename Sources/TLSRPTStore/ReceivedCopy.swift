/// One copy of a stored report as it was received: the first (stored) and every later one
/// (duplicate, conflict), with the DKIM verdict on its mail (`StoreSchema.v4`).
public struct ReceivedCopy: Sendable, Equatable {
    /// Where the bytes came from (file, message, part).
    public var source: String
    /// `file`, `mail` or `https`.
    public var channel: String
    /// `stored`, `duplicate` or `conflict`.
    public var outcome: String
    /// `pass`, `fail`, `none`, `temperror`, `n/a`; nil when not checked.
    public var dkim: String?
    /// A pass's signing domain (d=).
    public var dkimDomain: String?
    /// A pass's selector (s=).
    public var dkimSelector: String?
    /// Why a copy failed, or could not be checked.
    public var dkimReason: String?

    /// Creates it from its parts.
    package init(
        source: String, channel: String, outcome: String, dkim: String?, dkimDomain: String?, dkimSelector: String?,
        dkimReason: String?
    ) {
        self.source = source
        self.channel = channel
        self.outcome = outcome
        self.dkim = dkim
        self.dkimDomain = dkimDomain
        self.dkimSelector = dkimSelector
        self.dkimReason = dkimReason
    }
}
