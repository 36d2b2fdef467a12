#if canImport(Glibc)
    import Glibc
#endif

/// A listening socket that could not be opened: which port of the daemon, at which address,
/// set by which configuration keys, and why (the address in use, say), so the operator knows
/// what to change.
public struct ListenFailed: Error, CustomStringConvertible {
    public var port: String
    public var address: String
    public var keys: String
    public var reason: String

    /// `errno` when the failure carried one (SwiftNIO's `IOError.errnoCode`): the reason is then
    /// the system's text for it; otherwise `error` as it describes itself.
    public init(_ port: String, host: String, _ number: Int, keys: String, errno code: Int32?, error: any Error) {
        self.port = port
        address = "\(host):\(number)"
        self.keys = keys
        reason = code.map { "\(String(cString: strerror($0))) (errno \($0))" } ?? "\(error)"
    }

    public var description: String { "cannot listen on \(address) for the \(port) (\(keys)): \(reason)" }
}
