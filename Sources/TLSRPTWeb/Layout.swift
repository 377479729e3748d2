import TLSRPTRender

/// The frame every page shares: head (style sheet, the optional script), navigation, main.
enum Layout {
    /// The sections of the navigation.
    enum Section: String {
        case domains, reports, rejected
    }

    /// A whole page: `title` (escaped), the active section, the body.
    static func page(_ title: String, section: Section?, _ body: (inout HTML) -> Void) -> String {
        var html = HTML()
        html.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        html.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        html.element("title", text: title + " · tlsrpt")
        html.raw("<link rel=\"stylesheet\" href=\"/static/style.css\">")
        html.raw("<script src=\"/static/app.js\" defer></script>")
        html.raw("</head><body><header><a class=\"brand\" href=\"/\">tlsrpt</a>")
        for (s, label, href) in [
            (Section.domains, "Domains", "/"), (.reports, "Reports", "/reports"), (.rejected, "Rejected", "/rejected"),
        ] {
            html.link(href, label, class: s == section ? "active" : "link")
        }
        html.raw("</header><main>")
        body(&html)
        html.raw("</main></body></html>")
        return html.output
    }

    /// A page that says what is wrong with the request (400, 404).
    static func problem(_ title: String, _ message: String) -> String {
        page(title, section: nil) { html in
            html.element("h1", text: title)
            html.element("p", ["class": "error"], text: message)
        }
    }

    /// The filter form: dates, and the text fields asked for; submitted as GET to `action`.
    static func filters(
        _ q: WebQuery, action: String, domain: Bool = true, reporter: Bool = true, resultType: Bool = true,
        into html: inout HTML
    ) {
        html.open("form", ["class": "filters", "method": "get", "action": action])
        func field(_ label: String, _ name: String, _ type: String, _ value: String) {
            html.open("label")
            html.text(label)
            html.open("input", ["type": type, "name": name, "value": value])
            html.raw("</label>")
        }
        field("Since", "since", "date", q.since?.description ?? "")
        field("Until", "until", "date", q.until?.description ?? "")
        if domain { field("Domain", "domain", "text", q.domains.first ?? "") }
        if reporter { field("Reporter", "reporter", "text", q.reporters.first ?? "") }
        if resultType { field("Result type", "result_type", "text", q.resultTypes.first ?? "") }
        html.raw("<button type=\"submit\">Apply</button></form>")
    }

    /// A failure rate with the class that colours it.
    static func rate(_ failed: Int64, of total: Int64, into html: inout HTML) {
        let r = total == 0 ? 0 : Double(failed) / Double(total)
        let cls = failed == 0 ? "rate-ok" : r < 0.05 ? "rate-warn" : "rate-bad"
        html.element("span", ["class": cls, "data-rate": Charts.f2(r * 100)], text: percent(r))
    }

    /// A number cell.
    static func number(_ n: Int64, into html: inout HTML) {
        html.element("td", ["class": "num"], text: String(n))
    }

    /// A summary card.
    static func card(_ label: String, _ value: String, id: String, into html: inout HTML) {
        html.raw("<div class=\"card\">")
        html.element("div", ["class": "value", "id": id], text: value)
        html.element("div", ["class": "label"], text: label)
        html.raw("</div>")
    }

    /// A domain as shown (the reports' empty domain named).
    static func domainName(_ d: String) -> String { d.isEmpty ? "(no policy domain)" : d }
}
