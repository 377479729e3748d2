import TLSRPT
import TLSRPTRender
import TLSRPTStore

/// Inline SVG charts (no script, readable in the DOM): every bar is a `rect` with a `title`
/// and `data-` attributes naming its day and count, so a test or a screen reader finds them.
enum Charts {
    /// Colours of the result types in stacked charts, in order of first use.
    static let palette = [
        "#c62828", "#ef6c00", "#6a1b9a", "#1565c0", "#00838f", "#827717", "#ad1457", "#4e342e", "#37474f", "#d84315",
    ]

    /// A 30-day sparkline of daily sessions: one bar per day with sessions, as tall as its
    /// sessions against the busiest day, green without failures, orange under 5 % failed,
    /// red above.
    static func sparkline(_ points: [DailyPoint], into html: inout HTML) {
        let width = 3 * max(points.count, 1) + 2
        let height = 24
        let most = points.map { $0.successfulSessionCount.saturatingAdd($0.failedSessionCount) }.max() ?? 0
        html.raw(
            "<svg class=\"spark\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"daily sessions, last \(points.count) days\">"
        )
        for (i, p) in points.enumerated() {
            let total = p.successfulSessionCount.saturatingAdd(p.failedSessionCount)
            guard total > 0, most > 0 else { continue }
            let h = max(2, Int((Double(total) / Double(most) * Double(height - 2)).rounded()))
            let colour = p.failedSessionCount == 0 ? "#2e7d32" : p.failureRate < 0.05 ? "#ef6c00" : "#c62828"
            html.raw(
                "<rect class=\"spark-bar\" data-day=\"\(p.day)\" data-sessions=\"\(total)\" data-failed=\"\(p.failedSessionCount)\" x=\"\(1 + 3 * i)\" y=\"\(height - h)\" width=\"2\" height=\"\(h)\" fill=\"\(colour)\"><title>"
            )
            html.text("\(p.day): \(total) sessions, \(p.failedSessionCount) failed")
            html.raw("</title></rect>")
        }
        html.raw("</svg>")
    }

    /// One stacked series of a bar chart.
    struct Series {
        var name: String
        var colour: String
        /// One value per day of the chart.
        var values: [Int64]
    }

    /// Daily stacked bars over `days` (one slot per day), each series a segment; the axis goes
    /// from 0 to the largest day total. `kind` names the bars (`data-kind`).
    static func stackedBars(
        days: [Day], series: [Series], kind: String, label: String, into html: inout HTML
    ) {
        let width = 760
        let height = 220
        let left = 56
        let bottom = 24
        let plotHeight = height - bottom - 12
        let slot = Double(width - left - 8) / Double(max(days.count, 1))
        let barWidth = max(1.0, slot * 0.8)
        var totals = [Int64](repeating: 0, count: days.count)
        for s in series {
            for (i, v) in s.values.enumerated() where i < totals.count { totals[i].saturate(adding: v) }
        }
        let most = max(totals.max() ?? 0, 1)
        html.raw(
            "<svg class=\"chart\" data-kind=\"\(kind)\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\""
        )
        html.text(label)
        html.raw("\">")
        // Axis: 0 and the largest day.
        html.raw(
            "<line x1=\"\(left)\" y1=\"\(12 + plotHeight)\" x2=\"\(width - 4)\" y2=\"\(12 + plotHeight)\" stroke=\"#99a3ad\"/>"
        )
        html.raw(
            "<text x=\"\(left - 6)\" y=\"\(12 + plotHeight)\" text-anchor=\"end\" font-size=\"11\" fill=\"#5f6b7a\">0</text>"
        )
        html.raw(
            "<text class=\"axis-max\" x=\"\(left - 6)\" y=\"18\" text-anchor=\"end\" font-size=\"11\" fill=\"#5f6b7a\">\(most)</text>"
        )
        if let first = days.first, let last = days.last {
            html.raw(
                "<text x=\"\(left)\" y=\"\(height - 6)\" font-size=\"11\" fill=\"#5f6b7a\">\(first)</text><text x=\"\(width - 8)\" y=\"\(height - 6)\" text-anchor=\"end\" font-size=\"11\" fill=\"#5f6b7a\">\(last)</text>"
            )
        }
        for (i, day) in days.enumerated() {
            var y = Double(12 + plotHeight)
            let x = Double(left) + slot * Double(i) + (slot - barWidth) / 2
            for s in series {
                let v = i < s.values.count ? s.values[i] : 0
                guard v > 0 else { continue }
                let h = max(1.0, Double(v) / Double(most) * Double(plotHeight))
                y -= h
                html.raw(
                    "<rect class=\"bar\" data-day=\"\(day)\" data-count=\"\(v)\" data-series=\"\(SafeText.html(s.name))\" x=\"\(f2(x))\" y=\"\(f2(y))\" width=\"\(f2(barWidth))\" height=\"\(f2(h))\" fill=\"\(s.colour)\"><title>"
                )
                html.text("\(day) \(s.name): \(v)")
                html.raw("</title></rect>")
            }
        }
        html.raw("</svg>")
        html.raw("<div class=\"legend\">")
        for s in series where s.values.contains(where: { $0 > 0 }) {
            html.raw(
                "<span><svg class=\"spark\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\" fill=\"\(s.colour)\"/></svg> "
            )
            html.text(s.name)
            html.raw("</span>")
        }
        html.raw("</div>")
    }

    static func f2(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
