import Foundation
import IMAPClient
import IMAPProtocol
import TLSRPT
import TLSRPTIngest
import TLSRPTMail
import TLSRPTStore

/// Reads the new messages of one IMAP folder through the ingest pipeline: every report of
/// every message stored (dedup as for any input), every rejected part recorded with the
/// message's IMAP URL as its source, and then, only once the batch holding a message's reports
/// is committed, the message moved to the archive or the invalid folder.
///
/// Where the folder was left is kept in the database (`InputPosition`: UIDVALIDITY and the
/// highest UID done, per account and folder), so a second run fetches only new mail; a new
/// UIDVALIDITY means the UIDs were renumbered, and the folder is read again from the start
/// (dedup makes that harmless).
public final class MailboxFetcher {
    let settings: FetchSettings
    let extractor: ReportExtractor
    let store: any ReportStore
    /// Every item as it is committed (the CLI prints rejections and counts progress).
    let onItem: (ExtractedItem) -> Void
    /// Notes for the user (a new UIDVALIDITY, moves).
    let log: (String) -> Void
    let session: IngestSession

    /// Messages fetched and messages moved, over this fetcher's life.
    public private(set) var messagesFetched = 0
    /// Messages moved to the archive folder.
    public private(set) var messagesArchived = 0
    /// Messages moved to the invalid folder.
    public private(set) var messagesInvalid = 0

    /// Creates a fetcher writing to `store`.
    public init(
        settings: FetchSettings, extractor: ReportExtractor, store: any ReportStore,
        onItem: @escaping (ExtractedItem) -> Void = { _ in }, log: @escaping (String) -> Void = { _ in }
    ) {
        self.settings = settings
        self.extractor = extractor
        self.store = store
        self.onItem = onItem
        self.log = log
        // Batches are this fetcher's own (one per fetch command), committed by flush; the
        // session never commits on its own.
        session = IngestSession(store: store, batchSize: Int.max / 4, batchBytes: Int.max / 4)
    }

    /// Running totals of what has been committed.
    public var tally: IngestTally { session.tally }

    /// The key of this account and folder in `input_positions`.
    var positionKey: String { settings.mailbox.accountKey }

    /// Connects, logs in, creates the target folders and selects the folder.
    public func open() async throws -> (IMAPConnection, SelectedMailbox) {
        let connection = try await IMAPConnection.connect(to: settings.server)
        do {
            try await connection.login(user: settings.mailbox.user, password: settings.password)
            for folder in [settings.archiveFolder, settings.invalidFolder].compactMap({ $0 }) {
                try await connection.createIfMissing(folder)
            }
            let selected = try await connection.select(settings.mailbox.folder)
            return (connection, selected)
        } catch {
            await connection.close()
            throw error
        }
    }

    /// One pass: fetches every message not done yet, in UID order and bounded batches, until
    /// none is left or `connection.interrupted`. Returns the messages read.
    @discardableResult
    public func pass(_ connection: IMAPConnection, _ selected: SelectedMailbox) async throws -> Int {
        let validity = Int64(selected.uidValidity)
        var from: UInt32 = 1
        if let known = try store.inputPosition(positionKey) {
            if known.validity == validity {
                from = UInt32(clamping: known.position + 1)
            } else {
                log(
                    "\(settings.mailbox): UIDVALIDITY changed (\(known.validity) → \(validity)): reading the folder again from the start"
                )
            }
        }
        let messages = try await connection.sizes(fromUID: from)
        guard !messages.isEmpty else { return 0 }
        let batches = Self.batches(
            messages, maxCount: settings.batchMessages, maxBytes: settings.batchBytes,
            maxMessage: settings.maxMessageBytes)
        // Pipelined: the next batch is asked for before this one is decoded and committed, so
        // the server sends while we work; it is read in full before any other command (the
        // moves), as IMAP answers in order. At most two batches are held at once.
        var bodies = try await receive(try await request(batches[0], connection), connection)
        var read = 0
        for (k, batch) in batches.enumerated() {
            let next = k + 1 < batches.count && !connection.interrupted ? batches[k + 1] : nil
            var pending: PendingFetch? = nil
            if let next { pending = try await request(next, connection) }
            let (archive, invalid, position) = try commit(batch, bodies, validity: selected.uidValidity)
            bodies = try await receive(pending, connection)
            if settings.movesMessages {
                if let folder = settings.archiveFolder, !archive.isEmpty {
                    try await connection.move(archive, to: folder)
                    messagesArchived += archive.count
                }
                if let folder = settings.invalidFolder, !invalid.isEmpty {
                    try await connection.move(invalid, to: folder)
                    messagesInvalid += invalid.count
                }
                try store.recordInputPosition(position, at: Int64(Date().timeIntervalSince1970))
            }
            read += batch.count
            if next == nil { break }
        }
        return read
    }

    private func request(_ batch: [MessageSize], _ connection: IMAPConnection) async throws -> PendingFetch? {
        let wanted = batch.filter { $0.size <= settings.maxMessageBytes }.map(\.uid)
        guard !wanted.isEmpty else { return nil }
        return try await connection.requestMessages(wanted)
    }

    private func receive(_ pending: PendingFetch?, _ connection: IMAPConnection) async throws -> [UInt32: [UInt8]] {
        var bodies: [UInt32: [UInt8]] = [:]
        if let pending {
            try await connection.receiveMessages(pending) { uid, body in bodies[uid] = body }
        }
        return bodies
    }

    /// Decodes one batch's messages and commits their reports (with the new position when
    /// nothing is moved). Returns the UIDs for the archive and the invalid folder, and the
    /// position the batch reaches.
    private func commit(_ batch: [MessageSize], _ bodies: [UInt32: [UInt8]], validity: UInt32) throws -> (
        archive: [UInt32], invalid: [UInt32], position: InputPosition
    ) {
        // Per message, how many items it gave, in the order they were queued.
        var itemCounts: [(uid: UInt32, count: Int)] = []
        var items: [ExtractedItem] = []
        func queue(_ uid: UInt32, _ produce: ((ExtractedItem) throws -> Void) throws -> Void) throws {
            var n = 0
            try produce { item in
                try session.add(item)
                items.append(item)
                n += 1
            }
            itemCounts.append((uid, n))
        }
        for message in batch {
            let origin = settings.mailbox.message(uidValidity: validity, uid: message.uid)
            if message.size > settings.maxMessageBytes {
                try queue(message.uid) { add in
                    try add(
                        .rejected(
                            Provenance(origin: origin),
                            ReportError(
                                .tooLarge,
                                "mail message of \(formatBytes(message.size)) is over the \(formatBytes(settings.maxMessageBytes)) cap (not fetched)"
                            ), bytes: nil, channel: .mail))
                }
            } else if let body = bodies[message.uid] {
                try queue(message.uid) { add in try extractor.extract(message: body, origin: origin, add) }
            }
            // A message that vanished between the size listing and the fetch (another client
            // expunged it) gives nothing and is not counted.
        }
        let done = batch.last.map { Int64($0.uid) } ?? 0
        let position = InputPosition(source: positionKey, validity: Int64(validity), position: done)
        let outcomes = settings.movesMessages ? try session.flush() : try session.flush(recording: position)
        for item in items { onItem(item) }
        messagesFetched += itemCounts.count
        var archive: [UInt32] = []
        var invalid: [UInt32] = []
        var k = 0
        for (uid, count) in itemCounts {
            let mine = outcomes[k..<k + count]
            let mineItems = items[k..<k + count]
            k += count
            let bad =
                count == 0 || mine.contains(.rejected)
                || mineItems.contains { if case .messageWithoutReport = $0 { true } else { false } }
            if bad { invalid.append(uid) } else { archive.append(uid) }
        }
        return (archive, invalid, position)
    }

    /// Splits the listing into batches of at most `maxCount` messages and `maxBytes` bytes
    /// (a message over `maxMessage` is not fetched and weighs nothing).
    static func batches(_ messages: [MessageSize], maxCount: Int, maxBytes: Int, maxMessage: Int) -> [[MessageSize]] {
        var out: [[MessageSize]] = []
        var current: [MessageSize] = []
        var bytes = 0
        for m in messages {
            let weight = m.size > maxMessage ? 0 : m.size
            if !current.isEmpty && (current.count >= maxCount || bytes + weight > maxBytes) {
                out.append(current)
                current = []
                bytes = 0
            }
            current.append(m)
            bytes += weight
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
