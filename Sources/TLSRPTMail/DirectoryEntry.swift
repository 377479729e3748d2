#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A directory entry with the type the directory itself records (`d_type`), so walking a
/// folder of 20,000 reports does not stat each file before opening it (one system call of
/// five per file; BENCHMARKS.md §3).
struct DirectoryEntry {
    enum Kind {
        case regularFile, directory
        /// A symbolic link, another kind of file, or a file system that does not say: look.
        case unknown
    }

    /// The name for people and for ordering (invalid UTF-8 shown as U+FFFD).
    var name: String
    /// The entry's path, as bytes: what opens it whatever its name's encoding.
    var path: FilePathBytes
    var kind: Kind

    /// The entries of `directory` but `.` and `..`, sorted by name; empty when it cannot be read.
    static func list(_ directory: FilePathBytes) -> [DirectoryEntry] {
        guard let dir = opendir(directory.cString) else { return [] }
        defer { closedir(dir) }
        var out: [DirectoryEntry] = []
        while let entry = readdir(dir) {
            let (name, path) = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw.prefix { $0 != 0 })
                return (String(decoding: bytes, as: UTF8.self), directory.appending(bytes))
            }
            if name == "." || name == ".." { continue }
            let kind: Kind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .regularFile
            case Int32(DT_DIR): kind = .directory
            default: kind = .unknown
            }
            out.append(DirectoryEntry(name: name, path: path, kind: kind))
        }
        // By name; two names that differ only in invalid bytes (both shown with U+FFFD) by
        // their bytes, so the order never depends on readdir's.
        return out.sorted {
            $0.name != $1.name ? $0.name < $1.name : $0.path.cString.lexicographicallyPrecedes($1.path.cString)
        }
    }
}
