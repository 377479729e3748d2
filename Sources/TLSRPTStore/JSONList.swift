import TLSRPT

/// A list as a compact JSON array of strings (how list columns are stored).
package func jsonArray(_ items: [String]) -> String {
    if items.isEmpty { return "[]" }
    var out = "["
    for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        out += JSONWriter.quoted(item)
    }
    return out + "]"
}
