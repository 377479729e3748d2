#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file path as the file system holds it: bytes, which need not be UTF-8. A Swift `String`
/// repairs invalid UTF-8 (a Latin-1 `Société.json` saved from a Windows share becomes
/// `Soci\u{FFFD}t\u{FFFD}.json`), and a path made from it names no file: the report in it would
/// be rejected as "cannot open". Paths found by walking a directory are kept as bytes and
/// opened as such; `display` is for messages and provenance only.
struct FilePathBytes: Sendable {
    /// The path's bytes with a terminating NUL, ready for the C calls.
    private(set) var cString: [CChar]

    /// A path the user gave (from the command line: already a `String`).
    init(_ path: String) {
        cString = path.utf8CString.map { $0 }
    }

    /// The entry `name` (bytes as read from the directory, no NUL) inside this directory.
    func appending(_ name: UnsafeRawBufferPointer) -> FilePathBytes {
        var out = self
        out.cString.removeLast()  // the NUL
        if out.cString.last != 0x2F { out.cString.append(0x2F) }
        out.cString.append(contentsOf: name.lazy.map { CChar(bitPattern: $0) })
        out.cString.append(0)
        return out
    }

    /// The entry `name` (valid UTF-8) inside this directory.
    func appending(_ name: String) -> FilePathBytes {
        Array(name.utf8).withUnsafeBytes { appending($0) }
    }

    /// The path for people: invalid UTF-8 shown as U+FFFD.
    var display: String {
        cString.withUnsafeBufferPointer { p in
            String(decoding: UnsafeRawBufferPointer(p).prefix(p.count - 1), as: UTF8.self)
        }
    }

    /// What is at the path, following symbolic links.
    enum Kind { case regularFile, directory, other, missing }

    var kind: Kind {
        var info = stat()
        guard stat(cString, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFDIR: return .directory
        default: return .other
        }
    }
}
