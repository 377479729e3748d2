/// Where a payload came from, precisely enough to find its bytes again: the file (or `-` for
/// standard input, or an HTTP client), then the steps inside it (`message 14`, `part 2.1`,
/// `zip entry report.json`).
public struct Provenance: Sendable, Hashable, CustomStringConvertible {
    /// The file path, `-` for standard input, or another origin such as `https from 192.0.2.1`.
    public var origin: String
    /// Steps inside the origin, outermost first.
    public var steps: [String]

    /// Creates a provenance.
    public init(origin: String, steps: [String] = []) {
        self.origin = origin
        self.steps = steps
    }

    /// This provenance with one more step inside it.
    public func appending(_ step: String) -> Provenance {
        Provenance(origin: origin, steps: steps + [step])
    }

    /// `origin: step, step`.
    public var description: String {
        steps.isEmpty ? origin : "\(origin): \(steps.joined(separator: ", "))"
    }
}
