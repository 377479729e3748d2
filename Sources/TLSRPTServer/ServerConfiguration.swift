import TLSRPT

/// How `tlsrpt serve` runs. Every value has a flag; the defaults are the documented ones.
public struct ServerConfiguration: Sendable {
    /// Address to listen on.
    public var host: String = "127.0.0.1"
    public var port: Int = 8443
    /// PEM certificate chain and private key; without them the server speaks plain HTTP (for
    /// use behind a reverse proxy that terminates TLS).
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// Paths that accept reports (POST).
    public var reportPaths: [String] = ["/", "/v1/tlsrpt"]
    /// Policy domains accepted (with their subdomains); empty means any.
    public var allowedDomains: [String] = []
    /// Largest request body, in bytes (contract default 10 MB).
    public var maxBodyBytes: Int = 10_000_000
    /// Largest report after decompression, in bytes (contract default 20 MB).
    public var maxReportBytes: Int = 20_000_000
    /// Deepest JSON nesting accepted in a report.
    public var maxJSONDepth: Int = 64
    /// Requests per minute per client address (0: no limit).
    public var rateLimitPerMinute: Int = 120
    /// Request header carrying the client address when behind a trusted proxy (e.g.
    /// `X-Forwarded-For`); nil: the connection's address.
    public var trustedProxyHeader: String?
    /// Most simultaneous connections.
    public var maxConnections: Int = 1024
    /// Seconds a connection may sit idle (stalled clients are cut off; this also bounds the
    /// wait for request headers).
    public var idleTimeoutSeconds: Int = 30
    /// Seconds a request body may take to arrive in full (a client trickling bytes to hold a
    /// connection gets 408).
    public var bodyTimeoutSeconds: Int = 60

    public init() {}

    /// Whether `domain` (normalized) may be reported: in the list or below an entry.
    public func allows(_ domain: String) -> Bool {
        if allowedDomains.isEmpty { return true }
        let d = normalizeDomain(domain)
        return allowedDomains.contains { a in
            let allowed = normalizeDomain(a)
            return d == allowed || d.hasSuffix("." + allowed)
        }
    }
}
