/// What a domain owner should do about each result type (RFC 8460 §4.3), in plain words.
public enum Remediation {
    /// A hint for `resultType`, naming the MX hosts involved when known.
    public static func hint(for resultType: String, hosts: [String] = []) -> String {
        let on = hosts.isEmpty ? "your MX hosts" : hosts.joined(separator: ", ")
        switch resultType {
        case "certificate-expired":
            return "Renew the TLS certificate on \(on) and check that automatic renewal reloads the mail server."
        case "certificate-host-mismatch":
            return
                "The certificate on \(on) does not name the MX host: add the MX name to the certificate (SAN) or fix the MX record."
        case "certificate-not-trusted":
            return
                "The certificate on \(on) is self-signed or its chain is incomplete: install a publicly trusted certificate with the full intermediate chain."
        case "starttls-not-supported":
            return
                "\(on) did not offer STARTTLS: enable TLS on the SMTP listener (and check no middlebox strips STARTTLS — a possible downgrade attack)."
        case "validation-failure":
            return
                "Generic validation failure on \(on): check the certificate, the chain and the TLS versions and ciphers offered."
        case "tlsa-invalid":
            return
                "The TLSA records do not match the certificate on \(on): publish TLSA records for the new key before rolling it over."
        case "dnssec-invalid":
            return
                "DNSSEC validation failed for the MX or TLSA records: check the zone signatures and the DS record at the parent."
        case "dane-required":
            return
                "The sender requires DANE but found no usable TLSA records: publish valid TLSA records or remove the requirement."
        case "sts-policy-fetch-error":
            return
                "The MTA-STS policy could not be fetched: check https://mta-sts.<domain>/.well-known/mta-sts.txt is reachable with a valid certificate."
        case "sts-policy-invalid":
            return "The MTA-STS policy file is malformed: check its version, mode, mx and max_age lines."
        case "sts-webpki-invalid":
            return "The certificate of the mta-sts.<domain> web host is not valid: renew it or fix its name."
        default:
            return
                "An unregistered result type reported by the sender: see the failure-reason-code and additional information in the export."
        }
    }
}
