import Foundation
import TLSRPT

/// What walking the inputs turns up, in order.
public enum InputEvent: Sendable {
    /// Bytes that should hold a report: decode them.
    case payload(Payload)
    /// A mail message (or a whole input) that holds no report. `topLevel` is true when it was a
    /// path given by the user, which is an error; inside a mbox or Maildir it is only counted.
    case noReport(Provenance, reason: String, topLevel: Bool)
    /// An input that could not be read at all (missing file, permission, a damaged container).
    case failed(Provenance, ReportError)
}

/// Turns the paths a user gives (files, directories, `-`) into payloads: raw report files as
/// they are, mail containers (mbox, Maildir, .eml) message by message and attachment by
/// attachment, all streaming.
public struct InputWalker: Sendable {
    /// Largest raw report file read (a report is at most this large once decompressed, so its
    /// compressed file is too).
    public var maxPayloadBytes: Int
    /// Caps on the MIME structure of one message.
    public var mailLimits: MailLimits
    /// How each message's DKIM signatures are checked (nil: not at all, as `--dkim off`).
    public var dkim: DKIMCheck?

    /// Creates a walker.
    public init(maxPayloadBytes: Int = DecodeLimits().maxReportBytes, mailLimits: MailLimits = MailLimits()) {
        self.maxPayloadBytes = maxPayloadBytes
        self.mailLimits = mailLimits
    }

    /// Walks `paths` in order, calling `handle` for each event. Directories are walked
    /// recursively in name order; a Maildir (a folder with `cur/` and `new/`) is read as one.
    public func walk(_ paths: [String], _ handle: (InputEvent) throws -> Void) rethrows {
        for path in paths {
            // A path that yields nothing to decode at all is an error (DESIGN.md, "Inputs
            // without a report"), even when each message in it was only counted.
            var sawPayload = false
            var sawTopLevelError = false
            try walk(path: path) { event in
                switch event {
                case .payload: sawPayload = true
                case .failed: sawTopLevelError = true
                case .noReport(_, _, let topLevel): if topLevel { sawTopLevelError = true }
                }
                try handle(event)
            }
            if !sawPayload && !sawTopLevelError {
                try handle(.noReport(Provenance(origin: path), reason: "no report found in it", topLevel: true))
            }
        }
    }

    /// Whether walking `paths` may split mail: one is standard input, a file or a Maildir (a
    /// file is not sniffed here: it may be a mbox or a mail as well as a report). Splitting mail
    /// parses MIME and decodes base64, work worth a thread of its own; a folder of report files
    /// is only read.
    public func splitsMail(_ paths: [String]) -> Bool {
        paths.contains { path in
            if path == "-" { return true }
            let p = FilePathBytes(path)
            switch p.kind {
            case .regularFile: return true
            case .directory: return MaildirReader.isMaildir(p)
            case .other, .missing: return false
            }
        }
    }

    /// Walks bytes held in memory as if they were a file named `name` (mbox, mail or report).
    public func walk(bytes: [UInt8], name: String, _ handle: (InputEvent) throws -> Void) rethrows {
        try readFile(ByteSource(bytes: bytes, name: name), provenance: Provenance(origin: name), explicit: true, handle)
    }

    /// Walks one mail message held in memory, as a message inside a mailbox: one without a
    /// report is `.noReport` with `topLevel` false (skipped and counted, not an error).
    public func walk(message bytes: [UInt8], origin: String, _ handle: (InputEvent) throws -> Void) rethrows {
        let provenance = Provenance(origin: origin)
        guard bytes.count <= maxMailBytes else {
            try handle(
                .failed(provenance, ReportError(.tooLarge, "mail message is over the \(formatBytes(maxMailBytes)) cap"))
            )
            return
        }
        try emitMessage(bytes, provenance: provenance, topLevel: false, handle)
    }

    private func walk(path: String, _ handle: (InputEvent) throws -> Void) rethrows {
        if path == "-" {
            let source = ByteSource(fileDescriptor: 0, name: "-")
            try readFile(source, provenance: Provenance(origin: "-"), explicit: true, handle)
            return
        }
        try walk(path: FilePathBytes(path), explicit: true, kind: .unknown, handle)
    }

    private func walk(
        path: FilePathBytes, explicit: Bool, kind: DirectoryEntry.Kind, _ handle: (InputEvent) throws -> Void
    ) rethrows {
        var isDirectory = kind == .directory
        if kind == .unknown {
            let found = path.kind
            guard found != .missing else {
                try handle(
                    .failed(Provenance(origin: path.display), ReportError(.noReport, "no such file or directory")))
                return
            }
            isDirectory = found == .directory
        }
        if isDirectory {
            try walkDirectory(path, handle)
            return
        }
        let name = path.display
        guard let source = ByteSource(path: path, name: name, regularFile: kind == .regularFile) else {
            try handle(.failed(Provenance(origin: name), ReportError(.noReport, "cannot open: \(lastErrorText())")))
            return
        }
        try readFile(source, provenance: Provenance(origin: name), explicit: explicit, handle)
    }

    private func walkDirectory(_ path: FilePathBytes, _ handle: (InputEvent) throws -> Void) rethrows {
        if MaildirReader.isMaildir(path) {
            try MaildirReader(path: path, walker: self).read(handle)
            return
        }
        for entry in DirectoryEntry.list(path) where !entry.name.hasPrefix(".") {
            try walk(path: entry.path, explicit: false, kind: entry.kind, handle)
        }
    }

    /// Reads one file (or standard input): a mbox, a single mail, or a raw report payload.
    /// `explicit` is false for files found by walking a directory: those that are neither a
    /// report nor mail (a README) are passed over and counted, not rejected.
    func readFile(
        _ source: ByteSource, provenance: Provenance, explicit: Bool, _ handle: (InputEvent) throws -> Void
    ) rethrows {
        defer { source.close() }
        let head = source.peek(1024)
        if head.starts(with: "From ".utf8) {
            try MboxReader(source: source, origin: provenance.origin, walker: self).read(handle)
            return
        }
        let format = ReportDecoder.sniff(head)
        if format == .unknown && MessageParser.looksLikeMail(head) {
            guard let bytes = source.readAll(limit: maxMailBytes) else {
                try handle(
                    .failed(
                        provenance, ReportError(.tooLarge, "mail message is over the \(formatBytes(maxMailBytes)) cap"))
                )
                return
            }
            try emitMessage(bytes, provenance: provenance, topLevel: explicit, handle)
            return
        }
        if format == .unknown && !explicit {
            try handle(.noReport(provenance, reason: "neither a report nor mail; passed over", topLevel: false))
            return
        }
        guard let bytes = source.readAll(limit: maxPayloadBytes) else {
            try handle(
                .failed(provenance, ReportError(.tooLarge, "file is over the \(formatBytes(maxPayloadBytes)) cap")))
            return
        }
        try handle(.payload(Payload(provenance: provenance, bytes: bytes)))
    }

    /// Largest single mail message read: a report attachment, base64-encoded, plus headers.
    public var maxMailBytes: Int { maxPayloadBytes / 3 * 4 + 4_000_000 }

    /// Splits one message into its report payloads.
    func emitMessage(
        _ bytes: [UInt8], provenance: Provenance, topLevel: Bool, _ handle: (InputEvent) throws -> Void
    ) rethrows {
        let extraction = MessageParser(maxPartBytes: maxPayloadBytes, limits: mailLimits).extract(bytes)
        if extraction.attachments.isEmpty {
            let reason = extraction.problem ?? "no TLS report in message"
            try handle(.noReport(provenance, reason: reason, topLevel: topLevel))
            return
        }
        // The whole message is verified once, for all the reports in it (RFC 8460 §3), when
        // its first report is decoded.
        let pending = dkim.map { PendingVerdict(message: bytes, check: $0) }
        for attachment in extraction.attachments {
            var payload = Payload(
                provenance: provenance.appending("part \(attachment.partPath)"), bytes: attachment.bytes,
                mail: extraction.context)
            payload.pendingDKIM = pending
            try handle(.payload(payload))
        }
    }
}

func lastErrorText() -> String { String(cString: strerror(errno)) }
