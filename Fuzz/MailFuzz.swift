import TLSRPT
import TLSRPTMail

/// libFuzzer entry: any bytes as a mail container (mbox, or one message) through the walker,
/// the MIME parser and the decoder. It must never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMail(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var count = 0
    ReportExtractor(limits: DecodeLimits(maxReportBytes: 1_000_000)).extract(bytes: bytes, name: "fuzz") { _ in
        count += 1
    }
    return 0
}
