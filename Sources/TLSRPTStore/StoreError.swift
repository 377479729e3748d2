/// Why the store could not do what was asked.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for the user.
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
