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

    var name: String
    var kind: Kind

    /// The entries of `path` but `.` and `..`, sorted by name; empty when it cannot be read.
    static func list(_ path: String) -> [DirectoryEntry] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var out: [DirectoryEntry] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let kind: Kind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .regularFile
            case Int32(DT_DIR): kind = .directory
            default: kind = .unknown
            }
            out.append(DirectoryEntry(name: name, kind: kind))
        }
        return out.sorted { $0.name < $1.name }
    }
}
