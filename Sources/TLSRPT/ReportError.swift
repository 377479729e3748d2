/// Why a payload could not become a report.
///
/// `kind` is stable and machine-readable (it is what the store records and what metrics count);
/// `path` names the place inside the JSON, e.g. `policies[2].summary.total-failure-session-count`;
/// `message` says what was wrong there in words a domain owner understands.
public struct ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Broad reasons a payload is rejected.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Nothing at all: zero bytes, or only white space.
        case empty
        /// Bytes that are neither JSON, gzip nor zip.
        case unrecognizedFormat = "unrecognized-format"
        /// gzip, deflate or zip data that is damaged or cut short.
        case corruptCompression = "corrupt-compression"
        /// Decompressed (or plain) size over the configured cap.
        case tooLarge = "too-large"
        /// Not well-formed JSON (or not I-JSON: bad UTF-8, duplicate member, nesting too deep).
        case invalidJSON = "invalid-json"
        /// Well-formed JSON that is not a TLS report (wrong types, missing identity, bad counts).
        case invalidReport = "invalid-report"
        /// A container that holds no report (e.g. a zip without a JSON entry).
        case noReport = "no-report"
        /// A valid report in a mail without a passing DKIM signature, refused under
        /// `--dkim require` (RFC 8460 §3).
        case dkim
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// JSON path of the offending value, outermost first. Empty for whole-payload errors.
    public var path: [PathComponent]
    /// Human-readable description of the problem at `path`.
    public var message: String
    /// Byte offset in the (decompressed) JSON text, for syntax errors.
    public var byteOffset: Int?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, path: [PathComponent] = [], byteOffset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
        self.byteOffset = byteOffset
    }

    /// The path rendered as `policies[2].summary.total-failure-session-count`.
    public var pathString: String { PathComponent.render(path) }

    public var description: String {
        let place = pathString
        return place.isEmpty ? message : "\(place): \(message)"
    }

    /// Returns the error with `component` put in front of its path (used while unwinding).
    func prefixed(_ component: PathComponent) -> ReportError {
        var copy = self
        copy.path.insert(component, at: 0)
        return copy
    }
}

/// One step of a JSON path: a member name or an array index.
public enum PathComponent: Sendable, Equatable, CustomStringConvertible {
    case key(String)
    case index(Int)

    public var description: String {
        switch self {
        case .key(let k): return k
        case .index(let i): return "[\(i)]"
        }
    }

    /// Renders a path as `a.b[3].c`.
    public static func render(_ path: [PathComponent]) -> String {
        var out = ""
        for component in path {
            switch component {
            case .key(let k):
                if !out.isEmpty { out += "." }
                out += k
            case .index(let i):
                out += "[\(i)]"
            }
        }
        return out
    }
}

/// Runs `body`, and if it throws a `ReportError`, puts `component` in front of the error's path.
/// Costs nothing when nothing is thrown, so paths are built only for errors.
@inline(__always)
func at<T>(_ component: PathComponent, _ body: () throws(ReportError) -> T) throws(ReportError) -> T {
    do {
        return try body()
    } catch {
        throw error.prefixed(component)
    }
}

@inline(__always)
func at<T>(_ key: @autoclosure () -> String, _ body: () throws(ReportError) -> T) throws(ReportError) -> T {
    do {
        return try body()
    } catch {
        throw error.prefixed(.key(key()))
    }
}
