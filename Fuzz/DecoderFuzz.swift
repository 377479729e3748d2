import TLSRPT

/// libFuzzer entry: any bytes through the report decoder (sniff, gunzip, unzip, JSON, normalize).
/// It must never crash, hang or exceed the caps; every outcome is a report or a ReportError.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let decoder = ReportDecoder(limits: DecodeLimits(maxReportBytes: 1_000_000))
    let context = ReportNormalizer.Context(reportDomainHeader: "fuzz.example")
    for document in decoder.decodeAll(bytes, context: context) {
        if case .success(let report) = document.result {
            // Whatever decodes must encode and decode (with the same mail header) to the same report.
            let json = ReportEncoder(pretty: false, includeHeaderDomains: false).encode(report)
            let again = try? decoder.decode(Array(json.utf8), context: context)
            precondition(again == report, "round trip changed a report")
        }
    }
    return 0
}
