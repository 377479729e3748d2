import Foundation

/// Where the project's and the shared test data live.
public enum TestPaths {
    /// The repository root (found from this source file's place).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/corpus` beside the checkout, when it exists (CI and developers' machines have
    /// it; a bare clone does not, and the corpus tests then skip).
    public static let sharedCorpus: URL? = {
        if let env = ProcessInfo.processInfo.environment["TLSRPT_SHARED"] {
            let u = URL(fileURLWithPath: env).appendingPathComponent("corpus")
            return FileManager.default.fileExists(atPath: u.path) ? u : nil
        }
        let u = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
        return FileManager.default.fileExists(atPath: u.path) ? u : nil
    }()

    /// `../shared/tools/realsender`, when present.
    public static let realSender: URL? = sharedCorpus.map {
        $0.deletingLastPathComponent().appendingPathComponent("tools/realsender")
    }

    /// A file under `Tests/<target>/Fixtures`.
    public static func fixture(_ target: String, _ name: String) -> URL {
        repositoryRoot.appendingPathComponent("Tests/\(target)/Fixtures/\(name)")
    }

    /// The bytes of a file.
    public static func bytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

    /// A fresh temporary directory.
    public static func temporaryDirectory(_ label: String = "tlsrpt-test") throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
}
