/// Caps on the structure of one mail message, so a hostile message costs bounded time and
/// memory. A message that exceeds them is read up to the cap; with no report found before it,
/// the reason names the cap.
public struct MailLimits: Sendable, Equatable {
    /// Default most MIME parts walked in one message.
    public static let defaultMaxParts = 10_000
    /// Default deepest MIME nesting walked (multipart inside multipart, forwarded messages).
    public static let defaultMaxDepth = 20

    /// Most MIME parts walked in one message; the rest are not read.
    public var maxParts: Int
    /// Deepest MIME nesting walked; deeper parts are passed over.
    public var maxDepth: Int

    /// Creates limits (defaults: 10,000 parts, 20 levels).
    public init(maxParts: Int = MailLimits.defaultMaxParts, maxDepth: Int = MailLimits.defaultMaxDepth) {
        self.maxParts = maxParts
        self.maxDepth = maxDepth
    }
}
