import Foundation
import TLSRPTIngest
import TLSRPTMail
import TLSRPTStore

/// Commits items from concurrent requests together: while one transaction (and its fsync) runs,
/// the items that arrive queue up and all go into the next one. Each request is answered only
/// after the transaction holding its item committed, so a 200 means the report is on disk.
public actor GroupCommitter {
    private let store: any ReportStore
    private var queue: [(ExtractedItem, CheckedContinuation<IngestOutcome, any Error>)] = []
    private var committing = false
    private let writer = DispatchQueue(label: "tlsrpt.server.writer")
    /// Transactions committed (for metrics and tests).
    public private(set) var transactions = 0
    private let onCommit: @Sendable (Int) -> Void

    /// Creates a committer; `onCommit` is told the size of each committed group.
    public init(store: any ReportStore, onCommit: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.store = store
        self.onCommit = onCommit
    }

    /// Stores `item`; returns its outcome once it is committed. Throws when the store fails.
    public func submit(_ item: ExtractedItem) async throws -> IngestOutcome {
        try await withCheckedThrowingContinuation { continuation in
            queue.append((item, continuation))
            if !committing {
                committing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = queue
            queue.removeAll()
            let result: Result<[IngestOutcome], any Error> = await withCheckedContinuation { done in
                writer.async { [store] in
                    do {
                        let session = IngestSession(store: store, batchSize: Int.max, batchBytes: Int.max)
                        for (item, _) in batch { try session.add(item) }
                        done.resume(returning: .success(try session.flush()))
                    } catch {
                        done.resume(returning: .failure(error))
                    }
                }
            }
            transactions += 1
            onCommit(batch.count)
            switch result {
            case .success(let outcomes):
                for (i, (_, c)) in batch.enumerated() { c.resume(returning: outcomes[i]) }
            case .failure(let error):
                for (_, c) in batch { c.resume(throwing: error) }
            }
        }
        committing = false
    }
}
