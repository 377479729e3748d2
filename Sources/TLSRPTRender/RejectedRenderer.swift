import TLSRPT
import TLSRPTStore

/// Rejected inputs as JSON: `tlsrpt rejected --format json` and the dashboard's `/api/rejected`.
public enum RejectedRenderer {
    /// One rejected input's object (`id`, `received_at`, `source`, `channel`, `kind`, `path`,
    /// `reason`, `byte_count`).
    public static func object(_ w: JSONWriter, _ r: RejectedInput) {
        w.object {
            w.member("id") { w.raw(String(r.id)) }
            w.member("received_at") { w.string(Timestamp(seconds: r.receivedAt).rfc3339) }
            w.member("source") { w.string(r.source) }
            w.member("channel") { w.string(r.channel) }
            w.member("kind") { w.string(r.kind) }
            w.member("path") { w.string(r.jsonPath) }
            w.member("reason") { w.string(r.reason) }
            w.member("byte_count") { w.raw(String(r.byteCount)) }
        }
    }
}
