import Foundation

/// Running outside programs from tests (python3 scripts, the real sender, curl).
public enum TestTools {
    /// The result of a finished process.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        /// Creates an output.
        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Runs `executable` (looked up on PATH) with `arguments`, waiting for it to finish.
    @discardableResult
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: [UInt8]? = nil,
        currentDirectory: URL? = nil
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        // Close-on-exec for every end of these pipes: a process another thread starts meanwhile
        // (a PostgreSQL server restarted under load) would otherwise inherit them, hold this
        // child's stdin open for ever (curl then waits for the end of its body) or keep its
        // output from ending. The child's own 0, 1 and 2 are copies made in the child, without
        // the flag.
        for pipe in [out, err, input] {
            for handle in [pipe.fileHandleForReading, pipe.fileHandleForWriting] {
                _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
            }
        }
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin))
            try input.fileHandleForWriting.close()
        }
        // Read both pipes concurrently so neither fills up and blocks the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Whether tests that need outside tools must run (set by `scripts/test` and CI): then a
    /// missing tool is a failure, not a skip.
    public static var toolsRequired: Bool { ProcessInfo.processInfo.environment["TLSRPT_REQUIRE_TOOLS"] == "1" }

    /// Whether `python3 -c "import MODULE"` works.
    /// Starts another process (Python's sqlite3) that takes the write lock of the SQLite
    /// database at `path` and keeps it `seconds`; returns once the lock is held.
    public static func holdWriteLock(_ path: String, seconds: Double) throws -> Process {
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(float(sys.argv[2])); c.execute('ROLLBACK')",
            path, String(seconds),
        ]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        _ = out.fileHandleForReading.availableData  // "locked"
        return holder
    }

    public static func pythonHas(_ module: String) -> Bool {
        (try? run("python3", ["-c", "import \(module)"]).status) == 0
    }
}

extension TestTools {
    /// Runs `executable` like `run`, under a python3 wrapper that reports the child's peak
    /// resident memory and kills it after `timeout` seconds (then status 124).
    public static func runMeasured(
        _ executable: String, _ arguments: [String], timeout: Int = 300, environment: [String: String] = [:],
        stdin: [UInt8]? = nil
    ) throws -> (output: Output, peakMegabytes: Double) {
        let wrapper = """
            import resource, subprocess, sys
            try:
                status = subprocess.run(sys.argv[2:], timeout=int(sys.argv[1])).returncode
            except subprocess.TimeoutExpired:
                status = 124
            sys.stderr.write("\\npeak-rss-kb %d\\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            sys.exit(status)
            """
        var out = try run(
            "python3", ["-c", wrapper, String(timeout), executable] + arguments, environment: environment, stdin: stdin)
        var peak = -1.0
        if let range = out.stderr.range(of: "\npeak-rss-kb ", options: .backwards) {
            peak =
                (Double(out.stderr[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1) / 1024
            out.stderr = String(out.stderr[..<range.lowerBound])
        }
        return (out, peak)
    }
}
