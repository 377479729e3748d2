import Foundation

/// Which database a command works on, as the contract names it.
public enum StoreLocation {
    /// `--db VALUE`, else `$TLSRPT_DB`, else `./tlsrpt.sqlite`.
    public static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["TLSRPT_DB"], !env.isEmpty { return env }
        return "./tlsrpt.sqlite"
    }
}
