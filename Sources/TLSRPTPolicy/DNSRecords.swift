/// The `_mta-sts.DOMAIN` TXT record (RFC 8461 §3.1): `v=STSv1; id=…;`.
public struct MTASTSRecord: Sendable, Equatable {
    /// The policy's id (1–32 letters and digits): it changes when the policy does.
    public var id: String

    public init(id: String) { self.id = id }

    /// Parses one TXT record; throws when it is not a valid STSv1 record.
    public init(text: String) throws(PolicyError) {
        let fields = DNSFields(text)
        guard fields.first?.key == "v", fields.first?.value == "STSv1" else {
            throw PolicyError("_mta-sts record does not start with v=STSv1: \(text.prefix(80))")
        }
        guard let id = fields.value("id") else { throw PolicyError("_mta-sts record has no id=: \(text.prefix(80))") }
        guard (1...32).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw PolicyError("_mta-sts record's id \(id.prefix(40)) is not 1–32 letters and digits")
        }
        self.init(id: id)
    }

    /// The one STSv1 record among a name's TXT records (others are ignored, §3.1); nil when
    /// there is none; an error when there are several or the one is malformed.
    public static func pick(_ records: [String]) throws(PolicyError) -> MTASTSRecord? {
        let sts = records.filter { $0.replacingOccurrences(of: " ", with: "").hasPrefix("v=STSv1") }
        guard !sts.isEmpty else { return nil }
        guard sts.count == 1 else {
            throw PolicyError("\(sts.count) v=STSv1 records at _mta-sts (exactly one allowed)")
        }
        return try MTASTSRecord(text: sts[0])
    }
}

/// The `_smtp._tls.DOMAIN` TXT record (RFC 8460 §3): `v=TLSRPTv1; rua=URI[,URI]`.
public struct TLSRPTRecord: Sendable, Equatable {
    /// The report addresses (`mailto:` and `https:`).
    public var rua: [String]

    public init(rua: [String]) { self.rua = rua }

    /// Parses one TXT record; throws when it is not a usable TLSRPTv1 record.
    public init(text: String) throws(PolicyError) {
        let fields = DNSFields(text)
        guard fields.first?.key == "v", fields.first?.value == "TLSRPTv1" else {
            throw PolicyError("_smtp._tls record does not start with v=TLSRPTv1: \(text.prefix(80))")
        }
        guard let rua = fields.value("rua"), !rua.isEmpty else {
            throw PolicyError("_smtp._tls record has no rua=: \(text.prefix(80))")
        }
        let uris = rua.split(separator: ",").map { $0.trimmingWhitespace() }
        for u in uris where !(u.hasPrefix("mailto:") || u.hasPrefix("https://")) {
            throw PolicyError("_smtp._tls rua \(u.prefix(80)) is neither mailto: nor https:")
        }
        self.init(rua: uris)
    }

    /// The one TLSRPTv1 record among a name's TXT records; nil when there is none.
    public static func pick(_ records: [String]) throws(PolicyError) -> TLSRPTRecord? {
        let ours = records.filter { $0.replacingOccurrences(of: " ", with: "").hasPrefix("v=TLSRPTv1") }
        guard !ours.isEmpty else { return nil }
        guard ours.count == 1 else {
            throw PolicyError("\(ours.count) v=TLSRPTv1 records at _smtp._tls (exactly one allowed)")
        }
        return try TLSRPTRecord(text: ours[0])
    }
}

/// `key=value; key=value` fields of a TXT record, in order.
struct DNSFields {
    var fields: [(key: String, value: String)]

    init(_ text: String) {
        fields = text.split(separator: ";").compactMap { part in
            guard let eq = part.firstIndex(of: "=") else { return nil }
            return (part[..<eq].trimmingWhitespace(), part[part.index(after: eq)...].trimmingWhitespace())
        }
    }

    var first: (key: String, value: String)? { fields.first }
    func value(_ key: String) -> String? { fields.first { $0.key == key }?.value }
}
