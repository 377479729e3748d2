import Foundation

/// The built `tlsrpt` executable, for tests that run the command as a user would.
public enum CLI {
    /// Path of the debug build of `tlsrpt` (built by `swift build` / `swift test`).
    public static var path: String {
        get throws {
            let fm = FileManager.default
            let candidates = [
                ".build/debug/tlsrpt", ".build/x86_64-unknown-linux-gnu/debug/tlsrpt",
                ".build/aarch64-unknown-linux-gnu/debug/tlsrpt",
            ]
            for c in candidates {
                let p = TestPaths.repositoryRoot.appendingPathComponent(c).path
                if fm.isExecutableFile(atPath: p) { return p }
            }
            throw NSError(
                domain: "CLI", code: 1, userInfo: [NSLocalizedDescriptionKey: "tlsrpt is not built; run swift build"])
        }
    }

    /// Runs `tlsrpt` with `arguments`.
    public static func run(_ arguments: [String], stdin: [UInt8]? = nil, environment: [String: String] = [:]) throws
        -> TestTools.Output
    {
        try TestTools.run(try path, arguments, environment: environment, stdin: stdin)
    }
}
