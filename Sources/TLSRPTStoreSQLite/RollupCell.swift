/// Every rollup count of one policy domain in one period, stored as one row (a "cell"):
/// sessions per reporter × policy type × result type, failed sessions per receiving MX host ×
/// result type, and policies per MTA-STS mode. All keys are `rollup_texts` ids.
///
/// One row per domain and period instead of one per key: a bulk ingest of random reports made
/// ~15 rollup upserts per report (each a B-tree descent in SQLite, half the writer's time); as
/// cells it makes about one per report and period grain, and a summary reads one row per domain
/// (BENCHMARKS.md §3, §4).
///
/// Stored form (`encoded()`): a version byte (1), then three lists, each a count followed by
/// its entries — sessions (organization, policy type, result type, successful, failed,
/// policies), MX hosts (host, result type, failed), modes (mode, policies) — every number a
/// zigzag LEB128 varint. Readers take entries in any order; this version writes each list
/// ordered by key (ascending, compared field by field), so adding a batch's entries to a stored
/// cell is a merge of two ordered lists (`merging`) instead of building dictionaries. A cell
/// written unordered (by an earlier version) is added to through dictionaries, and then
/// written ordered.
///
/// Schema v4: a session entry whose policy type and result type are both
/// `dkimPassMarker` (-1, never a `rollup_texts` id) counts, in its `policies`, the sender's
/// reports for the domain that passed DKIM (each report once, however many of its policies
/// name the domain); its other counts are 0.
struct RollupCell: Equatable, Sendable {
    /// The policy and result type of the entries that count DKIM-verified reports.
    static let dkimPassMarker: Int64 = -1

    struct SessionKey: Hashable, Sendable {
        var organization: Int64
        var policyType: Int64
        var resultType: Int64
    }
    struct Counts: Equatable, Sendable {
        var successful: Int64 = 0
        var failed: Int64 = 0
        var policies: Int64 = 0
    }
    struct MXKey: Hashable, Sendable {
        var host: Int64
        var resultType: Int64
    }

    /// The `result_type` id of `''` marks a policy's own session counts; other result types
    /// hold the failure-detail sums of that type (the policy count is then the details').
    var sessions: [SessionKey: Counts] = [:]
    var mx: [MXKey: Int64] = [:]
    var modes: [Int64: Int64] = [:]

    var isEmpty: Bool { sessions.isEmpty && mx.isEmpty && modes.isEmpty }

    /// Adds `other`'s counts to these (sums saturate rather than overflow).
    mutating func merge(_ other: RollupCell) {
        for (k, c) in other.sessions { sessions[k, default: Counts()].add(c) }
        for (k, n) in other.mx { mx[k, default: 0] = mx[k, default: 0].saturatingAdd(n) }
        for (k, n) in other.modes { modes[k, default: 0] = modes[k, default: 0].saturatingAdd(n) }
    }

    /// The stored form (each list ordered by key).
    func encoded() -> [UInt8] {
        Entries(sessions: Array(sessions), mx: Array(mx), modes: Array(modes)).encoded()
    }

    /// Decodes a stored cell.
    init(decoding bytes: UnsafeRawBufferPointer) throws {
        // Room for every session entry at once (each takes at least six bytes): a stored cell
        // of a busy domain holds hundreds, and growing the dictionary step by step showed.
        sessions.reserveCapacity(bytes.count / 6)
        try Self.visit(
            bytes, sessions: { k, c in sessions[k, default: Counts()].add(c) },
            mx: { k, n in mx[k, default: 0] = mx[k, default: 0].saturatingAdd(n) },
            modes: { k, n in modes[k, default: 0] = modes[k, default: 0].saturatingAdd(n) })
    }

    init() {}

    /// Decodes a stored cell.
    init(decoding bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try RollupCell(decoding: $0) }
    }

    /// Calls the closures with each entry of a stored cell, in stored order, without building
    /// dictionaries (summaries read tens of thousands of cells).
    static func visit(
        _ bytes: UnsafeRawBufferPointer, sessions: (SessionKey, Counts) -> Void, mx: (MXKey, Int64) -> Void,
        modes: (Int64, Int64) -> Void
    ) throws {
        var reader = Varint.Reader(bytes: bytes)
        guard bytes.first == 1 else { throw RollupCellError() }
        reader.position = 1
        for _ in 0..<(try reader.count()) {
            let key = SessionKey(
                organization: try reader.next(), policyType: try reader.next(), resultType: try reader.next())
            sessions(key, Counts(successful: try reader.next(), failed: try reader.next(), policies: try reader.next()))
        }
        for _ in 0..<(try reader.count()) {
            mx(MXKey(host: try reader.next(), resultType: try reader.next()), try reader.next())
        }
        for _ in 0..<(try reader.count()) {
            modes(try reader.next(), try reader.next())
        }
        guard reader.position == bytes.count else { throw RollupCellError() }
    }
}

/// A stored rollup cell that cannot be read (damaged, or written by a newer version).
struct RollupCellError: Error, CustomStringConvertible {
    var description: String { "a rollup row is damaged or of an unknown format (run `tlsrpt verify`)" }
}

extension RollupCell.Counts {
    mutating func add(_ c: RollupCell.Counts) {
        successful = successful.saturatingAdd(c.successful)
        failed = failed.saturatingAdd(c.failed)
        policies = policies.saturatingAdd(c.policies)
    }
}

/// Zigzag LEB128 integers (small magnitudes take one byte, negatives too).
enum Varint {
    static func append(_ value: Int64, to out: inout [UInt8]) {
        var v = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        @inline(__always)
        mutating func next() throws -> Int64 {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < bytes.count, shift < 64 else { throw RollupCellError() }
                let b = bytes[position]
                position += 1
                v |= UInt64(b & 0x7F) << shift
                if b < 0x80 { break }
                shift += 7
            }
            return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
        }

        /// A list length: not negative, and not more entries than bytes left.
        mutating func count() throws -> Int {
            let n = try next()
            guard n >= 0, n <= bytes.count - position else { throw RollupCellError() }
            return Int(n)
        }
    }
}

extension RollupCell.SessionKey: Comparable {
    static func < (a: Self, b: Self) -> Bool {
        (a.organization, a.policyType, a.resultType) < (b.organization, b.policyType, b.resultType)
    }
}

extension RollupCell.MXKey: Comparable {
    static func < (a: Self, b: Self) -> Bool { (a.host, a.resultType) < (b.host, b.resultType) }
}

extension RollupCell {
    /// A cell's entries as lists, each key once (as a batch's `RollupDelta` gives them): written
    /// as they are when the cell is new, added to the stored cell otherwise. Lists, not
    /// dictionaries: hashing every entry of every cell was a tenth of the writer's time.
    struct Entries: Sendable {
        var sessions: [(SessionKey, Counts)] = []
        var mx: [(MXKey, Int64)] = []
        var modes: [(Int64, Int64)] = []

        var isEmpty: Bool { sessions.isEmpty && mx.isEmpty && modes.isEmpty }

        /// The same entries, each list ordered by key (how cells are written).
        func ordered() -> Entries {
            Entries(
                sessions: sessions.sorted { $0.0 < $1.0 }, mx: mx.sorted { $0.0 < $1.0 },
                modes: modes.sorted { $0.0 < $1.0 })
        }

        /// The stored form of a cell holding just these entries (ordered here).
        func encoded() -> [UInt8] {
            var cell = RollupCell()
            return cell.encoded(adding: ordered())
        }
    }

    /// The stored form of the cell `stored` with `entries` added, or nil when `stored` is not
    /// ordered by key (written by an earlier version: the caller adds through dictionaries).
    /// `entries` must be ordered by key (`Entries.ordered`), each key once. Merges the two
    /// ordered lists straight into the output bytes: no dictionary, no decoded copy of the
    /// stored cell (the batch's rollups, mostly adding to month and all-time cells, ~25 %
    /// cheaper this way; BENCHMARKS.md §3). Throws `RollupCellError` for a damaged cell.
    static func merging(_ stored: UnsafeRawBufferPointer, adding entries: Entries) throws -> [UInt8]? {
        guard stored.first == 1 else { throw RollupCellError() }
        var reader = Varint.Reader(bytes: stored)
        reader.position = 1
        var out: [UInt8] = [1]
        out.reserveCapacity(
            stored.count + 8 + entries.sessions.count * 12 + entries.mx.count * 6 + entries.modes.count * 3)
        // Each list is written after its count, known only once merged: into `list`, then copied.
        var list: [UInt8] = []
        list.reserveCapacity(stored.count)
        let ordered =
            try mergeList(
                &reader, entries.sessions, &out, &list,
                read: { r in
                    (
                        SessionKey(organization: try r.next(), policyType: try r.next(), resultType: try r.next()),
                        Counts(successful: try r.next(), failed: try r.next(), policies: try r.next())
                    )
                },
                add: { $0.add($1) },
                write: write)
            && mergeList(
                &reader, entries.mx, &out, &list,
                read: { r in (MXKey(host: try r.next(), resultType: try r.next()), try r.next()) },
                add: { $0.saturate(adding: $1) },
                write: write)
            && mergeList(
                &reader, entries.modes, &out, &list,
                read: { r in (try r.next(), try r.next()) },
                add: { $0.saturate(adding: $1) },
                write: writeMode)
        guard ordered else { return nil }
        guard reader.position == stored.count else { throw RollupCellError() }
        return out
    }

    /// The stored form of one entry of each list.
    private static func write(_ k: SessionKey, _ c: Counts, _ out: inout [UInt8]) {
        Varint.append(k.organization, to: &out)
        Varint.append(k.policyType, to: &out)
        Varint.append(k.resultType, to: &out)
        Varint.append(c.successful, to: &out)
        Varint.append(c.failed, to: &out)
        Varint.append(c.policies, to: &out)
    }

    private static func write(_ k: MXKey, _ n: Int64, _ out: inout [UInt8]) {
        Varint.append(k.host, to: &out)
        Varint.append(k.resultType, to: &out)
        Varint.append(n, to: &out)
    }

    private static func writeMode(_ k: Int64, _ n: Int64, _ out: inout [UInt8]) {
        Varint.append(k, to: &out)
        Varint.append(n, to: &out)
    }

    /// Merges one stored list (read from `reader`) with `added` (ordered, each key once): the
    /// count and the entries, each key once with its values added, go to `out` (`list` is
    /// scratch space). False when the stored list is not ordered by key.
    @inline(__always)
    private static func mergeList<Key: Comparable, Value>(
        _ reader: inout Varint.Reader, _ added: [(Key, Value)], _ out: inout [UInt8], _ list: inout [UInt8],
        read: (inout Varint.Reader) throws -> (Key, Value), add: (inout Value, Value) -> Void,
        write: (Key, Value, inout [UInt8]) -> Void
    ) throws -> Bool {
        list.removeAll(keepingCapacity: true)
        var count = 0
        var i = 0
        var previous: Key?
        for _ in 0..<(try reader.count()) {
            var (key, value) = try read(&reader)
            if let previous, !(previous < key) { return false }
            previous = key
            while i < added.count && added[i].0 < key {
                write(added[i].0, added[i].1, &list)
                count += 1
                i += 1
            }
            if i < added.count && added[i].0 == key {
                add(&value, added[i].1)
                i += 1
            }
            write(key, value, &list)
            count += 1
        }
        while i < added.count {
            write(added[i].0, added[i].1, &list)
            count += 1
            i += 1
        }
        Varint.append(Int64(count), to: &out)
        out.append(contentsOf: list)
        return true
    }

    /// The stored form of this cell with `entries` added (written ordered by key when this
    /// cell is empty only if `entries` is ordered: `Entries.encoded` orders them).
    mutating func encoded(adding entries: Entries) -> [UInt8] {
        if isEmpty {
            // Nothing to combine with: the entries' keys are distinct already.
            var out: [UInt8] = [1]
            out.reserveCapacity(4 + entries.sessions.count * 12 + entries.mx.count * 6 + entries.modes.count * 3)
            Varint.append(Int64(entries.sessions.count), to: &out)
            for (k, c) in entries.sessions { Self.write(k, c, &out) }
            Varint.append(Int64(entries.mx.count), to: &out)
            for (k, n) in entries.mx { Self.write(k, n, &out) }
            Varint.append(Int64(entries.modes.count), to: &out)
            for (k, n) in entries.modes { Self.writeMode(k, n, &out) }
            return out
        }
        for (k, c) in entries.sessions { sessions[k, default: Counts()].add(c) }
        for (k, n) in entries.mx { mx[k, default: 0] = mx[k, default: 0].saturatingAdd(n) }
        for (k, n) in entries.modes { modes[k, default: 0] = modes[k, default: 0].saturatingAdd(n) }
        return encoded()
    }
}
