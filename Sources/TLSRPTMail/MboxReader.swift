import Foundation
import TLSRPT

/// Splits a mbox file into messages while reading it, in constant memory (one message at a
/// time, each capped): mboxo and mboxrd (`>From ` quoting undone), CRLF or LF, a last message
/// without a final newline or cut short.
///
/// A `From ` line starts a new message when it follows a blank line (or starts the file), or
/// when it has the shape of a separator (`From sender date-with-hh:mm`) even without one, as
/// some writers leave the blank line out.
struct MboxReader {
    let source: ByteSource
    let origin: String
    let walker: InputWalker
    /// Longest line handled in one piece; longer lines are read in pieces.
    static let maxLine = 1 << 20

    func read(_ handle: (InputEvent) throws -> Void) rethrows {
        var message: [UInt8] = []
        var index = 0
        var tooLarge = false
        var previousBlank = true
        var atLineStart = true
        let cap = walker.maxMailBytes

        func finish() throws {
            guard index > 0 else { return }
            let provenance = Provenance(origin: origin, steps: ["message \(index)"])
            if tooLarge {
                try handle(
                    .failed(provenance, ReportError(.tooLarge, "mail message is over the \(formatBytes(cap)) cap")))
            } else {
                try walker.emitMessage(message, provenance: provenance, topLevel: false, handle)
            }
        }

        while let (line, complete) = source.readLine(maxLength: Self.maxLine) {
            defer { atLineStart = complete }
            if atLineStart && Self.isSeparator(line, afterBlank: previousBlank || index == 0) {
                try finish()
                index += 1
                message.removeAll(keepingCapacity: true)
                tooLarge = false
                previousBlank = false
                continue
            }
            if index == 0 {
                // Bytes before the first separator: not a message.
                continue
            }
            previousBlank = atLineStart && complete && Self.isBlank(line)
            if tooLarge { continue }
            if message.count + line.count > cap {
                tooLarge = true
                message.removeAll()
                continue
            }
            if atLineStart && line.count > 5 && line.first == UInt8(ascii: ">") {
                // mboxrd: ">From " → "From ", ">>From " → ">From ".
                var k = line.startIndex
                while k < line.endIndex && line[k] == UInt8(ascii: ">") { k += 1 }
                if line[k...].starts(with: "From ".utf8) {
                    message.append(contentsOf: line.dropFirst())
                    continue
                }
            }
            message.append(contentsOf: line)
        }
        try finish()
    }

    static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x0A || $0 == 0x0D }
    }

    static func isSeparator(_ line: ArraySlice<UInt8>, afterBlank: Bool) -> Bool {
        // Most lines do not start with "F": the generic `starts(with:)` is not worth calling.
        guard line.first == UInt8(ascii: "F"), line.starts(with: "From ".utf8) else { return false }
        if afterBlank { return true }
        // "From sender Thu Mar 14 00:00:00 2025": look for a hh:mm time.
        var digitsBefore = 0
        var prev: UInt8 = 0
        for b in line {
            if b == UInt8(ascii: ":") && digitsBefore >= 1 && prev >= 0x30 && prev <= 0x39 { return true }
            if b >= 0x30 && b <= 0x39 { digitsBefore += 1 } else { digitsBefore = 0 }
            prev = b
        }
        return false
    }
}

/// Reads a Maildir (`cur/` and `new/`; `tmp/` holds deliveries in progress and is left alone),
/// one message per file, in name order.
struct MaildirReader {
    let path: FilePathBytes
    let walker: InputWalker

    static func isMaildir(_ path: FilePathBytes) -> Bool {
        path.appending("cur").kind == .directory && path.appending("new").kind == .directory
    }

    func read(_ handle: (InputEvent) throws -> Void) rethrows {
        for sub in ["cur", "new"] {
            for entry in DirectoryEntry.list(path.appending(sub)) where !entry.name.hasPrefix(".") {
                let provenance = Provenance(origin: entry.path.display)
                guard let source = ByteSource(path: entry.path, name: provenance.origin) else {
                    try handle(.failed(provenance, ReportError(.noReport, "cannot open: \(lastErrorText())")))
                    continue
                }
                defer { source.close() }
                guard let bytes = source.readAll(limit: walker.maxMailBytes) else {
                    try handle(
                        .failed(
                            provenance,
                            ReportError(.tooLarge, "mail message is over the \(formatBytes(walker.maxMailBytes)) cap")))
                    continue
                }
                try walker.emitMessage(bytes, provenance: provenance, topLevel: false, handle)
            }
        }
    }
}
