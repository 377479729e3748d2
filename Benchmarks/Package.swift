// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package so the main build and CI do not pay for them.
// Run: scripts/bench (builds this in release mode and prints the figures).
let package = Package(
    name: "tlsrpt-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "tlsrpt", path: ".."),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "tlsrpt-bench",
            dependencies: [
                .product(name: "TLSRPT", package: "tlsrpt"),
                .product(name: "TLSRPTMail", package: "tlsrpt"),
                .product(name: "TLSRPTTestSupport", package: "tlsrpt"),
                .product(name: "TLSRPTStore", package: "tlsrpt"),
                .product(name: "TLSRPTIngest", package: "tlsrpt"),
                .product(name: "TLSRPTStoreSQLite", package: "tlsrpt"),
                .product(name: "DKIM", package: "tlsrpt"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
