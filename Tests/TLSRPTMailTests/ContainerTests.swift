import Foundation
import TLSRPT
import TLSRPTMail
import TLSRPTTestSupport
import Testing

/// mbox, Maildir, directories, zip and raw files.
@Suite struct ContainerTests {
    static func mail(_ id: String, eol: String = "\n") -> String {
        MailBuilder.message(
            parts: [MailBuilder.part(MailBuilder.reportJSON(id: id), .gzipBase64, eol: eol)], eol: eol,
            messageID: "<\(id)@sender.example>")
    }

    @Test(arguments: ["\n", "\r\n"])
    func mboxSplitsMessagesAndCountsThoseWithoutReport(eol: String) throws {
        let text = MailBuilder.mbox(
            [Self.mail("m1", eol: eol), MailBuilder.plainMessage(eol: eol), Self.mail("m3", eol: eol)], eol: eol)
        let path = try write(text, name: "box.mbox")
        let o = extract([path])
        #expect(o.reportIDs == ["m1", "m3"])
        #expect(o.sources == ["\(path): message 1, part 2", "\(path): message 3, part 2"])
        #expect(o.skipped.map(\.0.description) == ["\(path): message 2"])
        #expect(o.rejected.isEmpty)
    }

    @Test func mboxrdQuotingIsUndone() throws {
        // A quoted-printable JSON report whose reason text has a line starting with "From ".
        let json = MailBuilder.reportJSON(id: "q1").replacingOccurrences(
            of: "\"certificate-expired\"", with: "\"certificate-expired\",\"failure-reason-code\":\"x\"")
        var mail = MailBuilder.message(parts: [MailBuilder.part(json, .jsonQuotedPrintable)])
        mail = mail.replacingOccurrences(
            of: "This is an aggregate", with: "From the sender:\n>From here on\nThis is an aggregate")
        let text = MailBuilder.mbox([mail, Self.mail("q2")])
        #expect(text.contains("\n>From the sender:\n>>From here on\n"))
        let o = extract([try write(text)])
        #expect(o.reportIDs == ["q1", "q2"])
    }

    @Test func lastMessageWithoutTrailingNewline() throws {
        var text = MailBuilder.mbox([Self.mail("a"), Self.mail("b")])
        while text.hasSuffix("\n") { text.removeLast() }
        let o = extract([try write(text)])
        #expect(o.reportIDs == ["a", "b"])
    }

    @Test func truncatedLastMessageCostsOnlyItself() throws {
        let text = MailBuilder.mbox([Self.mail("a"), Self.mail("b"), Self.mail("c")])
        let cut = String(text.prefix(text.count - 300))
        let path = try write(cut)
        let o = extract([path])
        #expect(o.reportIDs == ["a", "b"])
        #expect(o.rejected.count == 1)
        #expect(o.rejected.first?.0.description == "\(path): message 3, part 2")
        #expect(o.rejected.first?.1.kind == .corruptCompression)
    }

    @Test func separatorWithoutBlankLineBefore() throws {
        let text =
            "From a@b Sun Nov 22 06:00:00 2026\n" + Self.mail("x") + "From a@b Sun Nov 22 06:00:01 2026\n"
            + Self.mail("y")
        let o = extract([try write(text)])
        #expect(o.reportIDs == ["x", "y"])
    }

    @Test func maildirReadsNewAndCurNotTmp() throws {
        let dir = try TestPaths.temporaryDirectory()
        for sub in ["new", "cur", "tmp"] {
            try FileManager.default.createDirectory(
                at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try Data(Self.mail("cur1").utf8).write(to: dir.appendingPathComponent("cur/1795.M1P1.host:2,S"))
        try Data(Self.mail("new1").utf8).write(to: dir.appendingPathComponent("new/1795.M2P2.host"))
        try Data(MailBuilder.plainMessage().utf8).write(to: dir.appendingPathComponent("new/1795.M3P3.host"))
        try Data(Self.mail("tmp1").utf8).write(to: dir.appendingPathComponent("tmp/1795.M4P4.host"))
        let o = extract([dir.path])
        #expect(o.reportIDs == ["cur1", "new1"])
        #expect(o.sources.first == "\(dir.path)/cur/1795.M1P1.host:2,S: part 2")
        #expect(o.skipped.count == 1)
        #expect(o.rejected.isEmpty)
    }

    @Test func directoryWalkMixesFormats() throws {
        let dir = try TestPaths.temporaryDirectory()
        let sub = dir.appendingPathComponent("sub/deeper")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try Data(MailBuilder.reportJSON(id: "j").utf8).write(to: dir.appendingPathComponent("a.json"))
        try Data(TestCompression.gzip(MailBuilder.reportJSON(id: "g"))).write(
            to: dir.appendingPathComponent("b.json.gz"))
        try Data(TestCompression.zip([("z.json", Array(MailBuilder.reportJSON(id: "z").utf8))])).write(
            to: sub.appendingPathComponent("c.zip"))
        try Data(Self.mail("e").utf8).write(to: sub.appendingPathComponent("d.eml"))
        try Data(MailBuilder.mbox([Self.mail("m")]).utf8).write(to: sub.appendingPathComponent("e.mbox"))
        try Data("notes".utf8).write(to: dir.appendingPathComponent("README"))
        let o = extract([dir.path])
        // Name order, depth first: a.json, b.json.gz, README, sub/deeper/{c.zip, d.eml, e.mbox}.
        #expect(o.reportIDs == ["j", "g", "z", "e", "m"])
        #expect(o.rejected.isEmpty)
        #expect(o.skipped.count == 1)
    }

    /// Entries the directory does not type as plain files or folders (symbolic links) are
    /// looked at and followed; a dangling link is an error naming it; files are read whole
    /// whatever their size (the walker reads a regular file until a short read); a trailing
    /// slash gives no double slash in the provenance.
    @Test func directoryWalkFollowsLinksAndReadsWholeFiles() throws {
        let dir = try TestPaths.temporaryDirectory()
        let elsewhere = try TestPaths.temporaryDirectory()
        let fm = FileManager.default
        try Data(MailBuilder.reportJSON(id: "target").utf8).write(to: elsewhere.appendingPathComponent("t.json"))
        try fm.createDirectory(at: elsewhere.appendingPathComponent("folder"), withIntermediateDirectories: true)
        try Data(TestCompression.gzip(MailBuilder.reportJSON(id: "in-folder"))).write(
            to: elsewhere.appendingPathComponent("folder/f.json.gz"))
        try fm.createSymbolicLink(
            atPath: dir.appendingPathComponent("a-link.json").path,
            withDestinationPath: elsewhere.appendingPathComponent("t.json").path)
        try fm.createSymbolicLink(
            atPath: dir.appendingPathComponent("b-folder-link").path,
            withDestinationPath: elsewhere.appendingPathComponent("folder").path)
        try fm.createSymbolicLink(
            atPath: dir.appendingPathComponent("c-dangling.json").path, withDestinationPath: "/nonexistent/x.json")
        // Larger than one 256 KB read: a report with a 700 KB contact-info.
        let big = MailBuilder.reportJSON(id: "big").replacingOccurrences(
            of: "tlsrpt@sender.example", with: String(repeating: "x", count: 700_000))
        #expect(big.utf8.count > 700_000)
        try Data(big.utf8).write(to: dir.appendingPathComponent("d-big.json"))
        let o = extract([dir.path + "/"])
        #expect(o.reportIDs == ["target", "in-folder", "big"])
        #expect(o.rejected.count == 1)
        #expect(o.rejected.first?.0.description == dir.path + "/c-dangling.json")
        #expect(o.rejected.first?.1.message == "no such file or directory")
    }

    @Test func emptyDirectoryAndMissingPathAreErrors() throws {
        let dir = try TestPaths.temporaryDirectory()
        let o = extract([dir.path, dir.appendingPathComponent("missing").path])
        #expect(o.rejected.count == 2)
        #expect(o.rejected.map(\.1.kind) == [.noReport, .noReport])
        #expect(o.rejected[0].1.message == "no report: no report found in it")
    }

    @Test func mboxOfOnlyPlainMailIsAnError() throws {
        let path = try write(MailBuilder.mbox([MailBuilder.plainMessage()]))
        let o = extract([path])
        #expect(o.skipped.count == 1)
        #expect(o.rejected.count == 1)
        #expect(o.rejected.first?.0.description == path)
    }

    @Test func hugeHeaderLineIsHandled() throws {
        let long = String(repeating: "x", count: 1_500_000)
        let mail = "X-Long: \(long)\n" + Self.mail("h")
        let o = extract([try write(MailBuilder.mbox([mail, Self.mail("after")]))])
        #expect(o.reportIDs == ["h", "after"])
    }

    @Test func streamingReaderSplitsLongLinesAndSurvivesSmallChunks() {
        let bytes = Array("abc\n\(String(repeating: "y", count: 10))\nend".utf8)
        let source = ByteSourceProbe(bytes)
        #expect(source.lines(max: 4) == ["abc\n", "yyyy", "yyyy", "yy\n", "end"])
    }
}

/// File names that are not UTF-8 (a Latin-1 `Société.json` from a Windows share): the file is
/// opened by its bytes, in a directory, a directory so named, and a Maildir, and its source
/// shows the bytes it cannot show as U+FFFD. Two names shown alike are ordered by their bytes.
@Suite struct NonUTF8NameTests {
    /// Makes `name` (raw bytes) inside `directory`: a file holding `contents`, or a directory.
    func make(_ directory: String, _ name: [UInt8], contents: [UInt8]? = nil) throws {
        let path = Array(directory.utf8) + [UInt8(ascii: "/")] + name + [0]
        let ok = path.withUnsafeBufferPointer { p -> Bool in
            p.withMemoryRebound(to: CChar.self) { c in
                guard let contents else { return mkdir(c.baseAddress!, 0o755) == 0 }
                let fd = open(c.baseAddress!, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
                guard fd >= 0 else { return false }
                defer { close(fd) }
                return contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == contents.count
            }
        }
        #expect(ok, "cannot make \(name) in \(directory)")
    }

    @Test func filesAndDirectoriesNamedInLatin1AreRead() throws {
        let dir = try TestPaths.temporaryDirectory().path
        let report = { (id: String) in Array(MailBuilder.reportJSON(id: id).utf8) }
        let e9: UInt8 = 0xE9  // é in Latin-1
        try make(
            dir, Array("Soci".utf8) + [e9, UInt8(ascii: "t"), e9] + Array(".json".utf8), contents: report("latin1"))
        try make(dir, Array("a".utf8) + [0xFF] + Array(".json".utf8), contents: report("ff"))
        try make(dir, Array("a".utf8) + [0xFE] + Array(".json".utf8), contents: report("fe"))
        try make(dir, Array("d".utf8) + [0xE4])
        try make(dir, Array("d".utf8) + [0xE4] + Array("/r.json".utf8), contents: report("nested"))
        let o = extract([dir])
        #expect(o.rejected.map(\.1.description) == [])
        #expect(o.reportIDs == ["latin1", "fe", "ff", "nested"])
        #expect(
            o.sources == [
                "\(dir)/Soci\u{FFFD}t\u{FFFD}.json", "\(dir)/a\u{FFFD}.json", "\(dir)/a\u{FFFD}.json",
                "\(dir)/d\u{FFFD}/r.json",
            ])
    }

    @Test func maildirMessagesNamedInLatin1AreRead() throws {
        let dir = try TestPaths.temporaryDirectory().path
        for sub in ["cur", "new", "tmp"] { try make(dir, Array(sub.utf8)) }
        let mail = MailBuilder.message(parts: [MailBuilder.part(MailBuilder.reportJSON(id: "md"), .gzipBase64)])
        try make(dir, Array("cur/1.host".utf8) + [0xE9] + Array(":2,S".utf8), contents: Array(mail.utf8))
        let o = extract([dir])
        #expect(o.rejected.map(\.1.description) == [])
        #expect(o.reportIDs == ["md"])
        #expect(o.sources == ["\(dir)/cur/1.host\u{FFFD}:2,S: part 2"])
    }
}
