// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "tlsrpt",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tlsrpt", targets: ["tlsrpt"]),
        .library(name: "TLSRPT", targets: ["TLSRPT"]),
        .library(name: "TLSRPTMail", targets: ["TLSRPTMail"]),
        .library(name: "TLSRPTStore", targets: ["TLSRPTStore"]),
        .library(name: "TLSRPTStoreSQLite", targets: ["TLSRPTStoreSQLite"]),
        .library(name: "TLSRPTStorePostgres", targets: ["TLSRPTStorePostgres"]),
        .library(name: "TLSRPTIngest", targets: ["TLSRPTIngest"]),
        .library(name: "IMAPClient", targets: ["IMAPClient"]),
        .library(name: "DKIM", targets: ["DKIM"]),
        // Test helpers (gzip/zip builders, seeded reports), shared by the tests and Benchmarks/.
        .library(name: "TLSRPTTestSupport", targets: ["TLSRPTTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "TLSRPT", dependencies: ["CZlib"]),
        // sqlite3_config (variadic, so not callable from Swift) for the store.
        .target(name: "CSQLiteTuning", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(name: "MailAuthentication"),
        .target(name: "TLSRPTMail", dependencies: ["TLSRPT", "MailAuthentication"]),
        // The store's seam: what every command and input asks of a database (`ReportStore`), and
        // what every backend shares (content hash, rollup changes, digest arithmetic, the
        // models). No SQL, and nothing of where reports come from.
        .target(name: "TLSRPTStore", dependencies: ["TLSRPT", .product(name: "Crypto", package: "swift-crypto")]),
        // The embedded backend: SQLite through GRDB (the zero-setup default).
        .target(
            name: "TLSRPTStoreSQLite",
            dependencies: [
                "TLSRPT", "TLSRPTStore", "CSQLiteTuning",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // The shared backend: PostgreSQL through postgres-nio (several collectors, one database).
        .target(
            name: "TLSRPTStorePostgres",
            dependencies: [
                "TLSRPT", "TLSRPTStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The ingest pipeline: walk → decode (on every core) → batches written to the store.
        .target(name: "TLSRPTIngest", dependencies: ["TLSRPT", "TLSRPTMail", "TLSRPTStore"]),
        // IMAP: the wire format (framing, parsing, names; no I/O, fuzzed) and a client on SwiftNIO.
        // Neither knows anything of reports.
        .target(name: "IMAPProtocol"),
        .target(
            name: "IMAPClient",
            dependencies: [
                "IMAPProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // TXT lookups through glibc's resolver (res_nquery), for DKIM keys and policies.
        .target(name: "CResolv", linkerSettings: [.linkedLibrary("resolv")]),
        .target(name: "DNSLookup", dependencies: ["CResolv"]),
        // DKIM verification of report mails (RFC 6376, RFC 8463, RFC 8460 §3); keys come from the caller.
        .target(
            name: "DKIM",
            dependencies: [
                "MailAuthentication",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The IMAP input: a mailbox's messages through the ingest pipeline.
        .target(
            name: "TLSRPTIMAP",
            dependencies: ["IMAPClient", "IMAPProtocol", "TLSRPT", "TLSRPTMail", "TLSRPTStore", "TLSRPTIngest"]),
        .target(name: "TLSRPTRender", dependencies: ["TLSRPT", "TLSRPTStore"]),
        .target(
            name: "TLSRPTServer",
            dependencies: [
                "TLSRPT", "TLSRPTMail", "TLSRPTStore", "TLSRPTIngest",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // `tlsrpt policy`: the live MTA-STS/DANE policy (DNS, the HTTPS policy file) held
        // against the reports.
        .target(
            name: "TLSRPTPolicy",
            dependencies: [
                "TLSRPT", "TLSRPTStore", "DNSLookup",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // `tlsrpt web`: the read-only dashboard (server-rendered HTML, inline SVG, Basic auth).
        .target(
            name: "TLSRPTWeb",
            dependencies: [
                "TLSRPT", "TLSRPTStore", "TLSRPTRender", "TLSRPTServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "tlsrpt",
            dependencies: [
                "TLSRPT", "TLSRPTMail", "TLSRPTStore", "TLSRPTStoreSQLite", "TLSRPTStorePostgres", "TLSRPTIngest",
                "TLSRPTRender",
                "TLSRPTServer", "TLSRPTIMAP", "TLSRPTWeb",
                "IMAPClient", "IMAPProtocol", "DKIM", "DNSLookup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "TLSRPTTestSupport", dependencies: ["TLSRPT", "CZlib"]),
        .testTarget(name: "TLSRPTTests", dependencies: ["TLSRPT", "TLSRPTTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "TLSRPTMailTests", dependencies: ["TLSRPTMail", "TLSRPTTestSupport"]),
        .testTarget(
            name: "TLSRPTStoreTests",
            dependencies: [
                "TLSRPTStore", "TLSRPTStoreSQLite", "TLSRPTStorePostgres", "TLSRPTIngest", "TLSRPTRender",
                "TLSRPTTestSupport",
            ]),
        .testTarget(
            name: "IMAPTests", dependencies: ["IMAPProtocol", "IMAPClient", "TLSRPTTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DNSLookupTests", dependencies: ["DNSLookup", "TLSRPTTestSupport"]),
        .testTarget(name: "TLSRPTPolicyTests", dependencies: ["TLSRPTPolicy", "TLSRPTTestSupport"]),
        .testTarget(
            name: "DKIMTests", dependencies: ["DKIM", "DNSLookup", "TLSRPTTestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "TLSRPTIMAPTests",
            dependencies: ["TLSRPTStore", "TLSRPTStoreSQLite", "TLSRPTIngest", "TLSRPTTestSupport"]
        ),
        .testTarget(
            name: "TLSRPTServerTests", dependencies: ["TLSRPTServer", "TLSRPTStoreSQLite", "TLSRPTTestSupport"]),
        .testTarget(
            name: "TLSRPTWebTests",
            dependencies: [
                "TLSRPTWeb", "TLSRPTStore", "TLSRPTTestSupport",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
