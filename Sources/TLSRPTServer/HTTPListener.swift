import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// The HTTP/1.1 server of `serve` and `web`: HTTPS (TLS 1.2 or later, swift-nio-ssl) when a
/// certificate and key are given, plain HTTP otherwise (loopback, or behind a proxy).
public func httpServerBuilder(idleTimeoutSeconds: Int, certificatePath: String?, keyPath: String?) throws
    -> HTTPServerBuilder
{
    let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .seconds(Int64(idleTimeoutSeconds))))
    guard let certificatePath, let keyPath else { return http1 }
    let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
    let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
    var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
    tls.minimumTLSVersion = .tlsv12
    return try .tls(http1, tlsConfiguration: tls)
}
