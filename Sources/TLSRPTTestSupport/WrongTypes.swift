import Foundation

/// A report with a wrong JSON type put into each of its fields in turn, and what the decoder
/// must do with each: refuse it naming that field's path, or accept it under a documented
/// leniency (null read as absent for optional fields; a number where text is expected; one
/// string for a list of strings).
public enum WrongTypes {
    /// One mutated report.
    public struct Variant: Sendable {
        /// The JSON path of the mutated field, as errors spell it (`policies[0].summary`).
        public var path: String
        /// The wrong value put there, as JSON.
        public var value: String
        public var json: [UInt8]
        /// Whether the decoder must accept it.
        public var accepted: Bool
    }

    /// The base report: every field of RFC 8460 §4.4 present once.
    static func base() -> [String: Any] {
        [
            "organization-name": "Org",
            "date-range": ["start-datetime": "2026-11-21T00:00:00Z", "end-datetime": "2026-11-21T23:59:59Z"],
            "contact-info": "tlsrpt@sender.example", "report-id": "base",
            "policies": [
                [
                    "policy": [
                        "policy-type": "sts",
                        "policy-string": ["version: STSv1", "mode: enforce", "mx: mx.example.com", "max_age: 86400"],
                        "policy-domain": "example.com", "mx-host": ["mx.example.com"],
                    ],
                    "summary": ["total-successful-session-count": 10, "total-failure-session-count": 1],
                    "failure-details": [
                        [
                            "result-type": "certificate-expired", "sending-mta-ip": "192.0.2.1",
                            "receiving-mx-hostname": "mx.example.com", "receiving-mx-helo": "mx",
                            "receiving-ip": "192.0.2.2", "failed-session-count": 1,
                            "additional-information": "https://sender.example/tlsrpt", "failure-reason-code": "X509",
                        ]
                    ],
                ]
            ],
        ]
    }

    /// Fields that may not be null or absent: a report's identity and structure.
    static let required: Set<String> = [
        "organization-name", "date-range", "date-range.start-datetime", "date-range.end-datetime", "report-id",
        "policies", "policies[0]", "policies[0].policy", "policies[0].policy.policy-type",
        "policies[0].failure-details[0]",
    ]

    /// Lists of text that may come as one string (or number) instead (DESIGN.md: `mx-host` and
    /// `policy-string` as a lone string, from real senders).
    static let textLists: Set<String> = ["policies[0].policy.mx-host", "policies[0].policy.policy-string"]

    enum Step { case key(String), index(Int) }

    static func render(_ path: [Step]) -> String {
        var s = ""
        for step in path {
            switch step {
            case .key(let k): s += (s.isEmpty ? "" : ".") + k
            case .index(let i): s += "[\(i)]"
            }
        }
        return s
    }

    static func paths(_ value: Any, _ prefix: [Step], into out: inout [([Step], Any)]) {
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() {
                out.append((prefix + [.key(key)], object[key]!))
                paths(object[key]!, prefix + [.key(key)], into: &out)
            }
        } else if let array = value as? [Any] {
            for (i, element) in array.enumerated() {
                out.append((prefix + [.index(i)], element))
                paths(element, prefix + [.index(i)], into: &out)
            }
        }
    }

    static func replacing(_ value: Any, at path: ArraySlice<Step>, with new: Any) -> Any {
        guard let step = path.first else { return new }
        switch step {
        case .key(let k):
            var object = value as! [String: Any]
            object[k] = replacing(object[k]!, at: path.dropFirst(), with: new)
            return object
        case .index(let i):
            var array = value as! [Any]
            array[i] = replacing(array[i], at: path.dropFirst(), with: new)
            return array
        }
    }

    /// Every field × every JSON type it does not have (object, array, boolean, null, text, number).
    public static func variants() -> [Variant] {
        var fields: [([Step], Any)] = []
        let base = base()
        paths(base, [], into: &fields)
        let wrongs: [(Any, String)] = [
            (["w": 1], #"{"w":1}"#), ([1], "[1]"), (true, "true"), (NSNull(), "null"), ("text", #""text""#),
            (1.5, "1.5"),
        ]
        var out: [Variant] = []
        for (path, original) in fields {
            let pathText = render(path)
            for (wrong, text) in wrongs where kind(wrong) != kind(original) {
                var report = replacing(base, at: path[...], with: wrong) as! [String: Any]
                // A unique report-id per variant, so the accepted ones are distinct reports.
                if pathText != "report-id" { report["report-id"] = "wt-\(out.count)" }
                let json = try! JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
                let accepted: Bool
                switch kind(wrong) {
                case "null": accepted = !required.contains(pathText)
                case "number":
                    accepted =
                        (kind(original) == "string" && !pathText.hasSuffix("-datetime")) || textLists.contains(pathText)
                case "string": accepted = textLists.contains(pathText)
                default: accepted = false
                }
                out.append(Variant(path: pathText, value: text, json: Array(json), accepted: accepted))
            }
        }
        return out
    }

    static func kind(_ v: Any) -> String {
        switch v {
        case is NSNull: return "null"
        case is String: return "string"
        case is [String: Any]: return "object"
        case is [Any]: return "array"
        case is Bool: return "boolean"
        case is Int, is Double: return "number"
        default: return "other"
        }
    }
}
