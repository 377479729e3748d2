import Foundation
import TLSRPT

/// A rejected input as recorded.
public struct RejectedInput: Sendable, Equatable {
    public var id: Int64
    /// Unix seconds.
    public var receivedAt: Int64
    public var source: String
    public var channel: String
    /// `ReportError.Kind` raw value.
    public var kind: String
    public var jsonPath: String
    public var reason: String
    public var byteCount: Int

    /// Creates it from its parts.
    package init(
        id: Int64, receivedAt: Int64, source: String, channel: String, kind: String, jsonPath: String, reason: String,
        byteCount: Int
    ) {
        self.id = id
        self.receivedAt = receivedAt
        self.source = source
        self.channel = channel
        self.kind = kind
        self.jsonPath = jsonPath
        self.reason = reason
        self.byteCount = byteCount
    }
}

/// What `prune` removed.
public struct PruneResult: Sendable, Equatable {
    public var reports: Int
    public var rejectedInputs: Int

    /// Creates it from its parts.
    package init(reports: Int, rejectedInputs: Int) {
        self.reports = reports
        self.rejectedInputs = rejectedInputs
    }
}

/// Counts of what the store holds.
public struct StoreCounts: Sendable, Equatable {
    public var reports: Int
    public var policies: Int
    public var failureDetails: Int
    /// Every copy received: the first of each report and the later ones (`copies_received`).
    public var receipts: Int
    public var duplicates: Int
    public var conflicts: Int
    public var rejectedInputs: Int

    /// Creates it from its parts.
    package init(
        reports: Int, policies: Int, failureDetails: Int, receipts: Int, duplicates: Int, conflicts: Int,
        rejectedInputs: Int
    ) {
        self.reports = reports
        self.policies = policies
        self.failureDetails = failureDetails
        self.receipts = receipts
        self.duplicates = duplicates
        self.conflicts = conflicts
        self.rejectedInputs = rejectedInputs
    }
}
