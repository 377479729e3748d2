/// Report text is written by whoever sent the report, so it is made safe for each output here,
/// in one place: terminals, CSV opened in spreadsheets, HTML.
public enum SafeText {
    /// `s` with control characters (C0, DEL, C1) and bidirectional overrides replaced by `?`, so
    /// report text cannot move the cursor, recolour the terminal or reorder what is shown.
    public static func terminal(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isUnsafe) else { return s }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars { out.append(isUnsafe(scalar) ? "?" : scalar) }
        return String(out)
    }

    static func isUnsafe(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v)
            || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C
    }

    /// `s` escaped for HTML text and attribute values.
    public static func html(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if isUnsafe(ch) && ch != "\n" && ch != "\t" { out += "?" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// `s` neutralised for spreadsheets (OWASP "CSV injection"): a cell starting with `=`, `+`,
    /// `-`, `@`, tab or carriage return gets a leading `'` so no formula runs when it is opened.
    public static func spreadsheetCell(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        switch first {
        case "=", "+", "-", "@", "\t", "\r": return "'" + s
        default: return s
        }
    }

    /// `s` escaped for Markdown table cells and text (pipes, backticks, emphasis, HTML).
    public static func markdown(_ s: String) -> String {
        var out = ""
        for ch in terminal(s) {
            switch ch {
            case "|", "\\", "`", "*", "_", "[", "]", "<", ">", "#": out += "\\" + String(ch)
            default: out.append(ch)
            }
        }
        return out
    }
}

/// RFC 4180 CSV, written by hand: yaslab/CSV.swift writes one byte per stream call (1.5 s per
/// 100,000 rows even into memory, STACK.md), and quoting is all this needs. Cells are quoted
/// when they hold a comma, quote, CR or LF; quotes are doubled. Text cells are neutralised
/// against formula injection. Lines end with LF.
public struct CSVEncoder: Sendable {
    public init() {}

    /// One CSV line for `cells` (nil is an empty cell), with the line feed.
    public func line(_ cells: [CSVCell?]) -> String {
        var out = ""
        for (i, cell) in cells.enumerated() {
            if i > 0 { out += "," }
            switch cell {
            case nil: break
            case .number(let n): out += String(n)
            case .text(let t): out += quote(SafeText.spreadsheetCell(t))
            case .header(let t): out += quote(t)
            }
        }
        return out + "\n"
    }

    func quote(_ s: String) -> String {
        let needs = s.utf8.contains { (b: UInt8) -> Bool in b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D }
        guard needs else { return s }
        var out = "\""
        for ch in s.unicodeScalars {
            if ch == "\"" { out += "\"\"" } else { out.unicodeScalars.append(ch) }
        }
        return out + "\""
    }
}

/// A CSV cell.
public enum CSVCell: Sendable, Equatable {
    case number(Int64)
    case text(String)
    /// A header name (not neutralised: it is ours).
    case header(String)
}
