import TLSRPT

/// One exported row: the contract's columns first, in order, then extra ones.
public struct ExportRow: Sendable, Equatable {
    /// Column values in header order; nil is an empty cell (CSV) or null (JSON).
    public var values: [ExportValue?]

    /// Creates it from its parts.
    package init(values: [ExportValue?]) {
        self.values = values
    }
}

/// A cell value.
public enum ExportValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
}

/// The tables `export` writes.
public enum ExportTable: String, Sendable, CaseIterable {
    case policies, failures

    /// Header names. The contract's columns come first in this order; extras follow.
    public var columns: [String] {
        switch self {
        case .policies:
            return [
                "organization_name", "report_id", "begin", "end", "policy_type", "policy_domain",
                "successful_session_count", "failed_session_count",
                // extras
                "day", "contact_info", "reporter_domain", "sts_mode", "mx_patterns", "policy_strings", "tlsa_records",
                "policy_index", "dkim",
            ]
        case .failures:
            return [
                "organization_name", "report_id", "begin", "end", "policy_type", "policy_domain", "result_type",
                "failed_session_count", "sending_mta_ip", "receiving_mx_hostname", "receiving_mx_helo", "receiving_ip",
                "additional_information", "failure_reason_code",
                // extras
                "day", "policy_index", "detail_index", "dkim",
            ]
        }
    }
}
