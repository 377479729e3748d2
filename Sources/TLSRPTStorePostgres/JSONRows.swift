import Foundation
import TLSRPT

/// Rows for a batch statement, as one JSON array of arrays bound to a single parameter and read
/// back with `jsonb_array_elements` (`e->>0`, `(e->>1)::bigint`…): one round trip per table per
/// batch, any number of rows, NULLs included (postgres-nio's arrays cannot hold NULL elements).
struct JSONRows {
    private(set) var json = "["
    private(set) var count = 0
    private var fieldsInRow = 0

    /// A text, or JSON null.
    mutating func text(_ s: String?) {
        separate()
        json += s.map(JSONWriter.quoted) ?? "null"
    }

    /// A number.
    mutating func int(_ n: Int64) {
        separate()
        json += String(n)
    }

    /// Bytes, base64 (`decode(e->>N, 'base64')`), or JSON null.
    mutating func bytes(_ b: [UInt8]?) {
        separate()
        json += b.map { "\"" + Data($0).base64EncodedString() + "\"" } ?? "null"
    }

    /// A whole row of key fields: numbers and texts.
    mutating func row(_ grain: Int64, _ period: Int64, _ texts: String...) {
        int(grain)
        int(period)
        for t in texts { text(t) }
        endRow()
    }

    /// Ends the row being written.
    mutating func endRow() {
        json += "]"
        count += 1
        fieldsInRow = 0
    }

    /// The finished array.
    var finished: String { json + "]" }

    private mutating func separate() {
        if fieldsInRow == 0 {
            json += count == 0 ? "[" : ",["
        } else {
            json += ","
        }
        fieldsInRow += 1
    }
}
