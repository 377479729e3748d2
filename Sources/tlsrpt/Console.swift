import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a line to standard error.
func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { p in _ = write(2, p.baseAddress, p.count) }
}

/// Writes a line to standard output at once (straight to the descriptor), so that scripts and
/// tests that wait for "listening on" see it without buffering.
func printNow(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { p in _ = write(1, p.baseAddress, p.count) }
}

/// Logs of the servers (`serve`, `web`): one line per request on standard error, level info.
func bootstrapServerLogging() {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .info
        return handler
    }
}
