/// Why a connection to the master ended, as the side that closed it knew.
enum ConnectionEnd: Equatable, Sendable {
    /// Lost or closed for a reason to retry past: the master went away, it stopped answering,
    /// it is not active.
    case lost(String)
    /// The master sent something that breaks the protocol.
    case violation(String)

    var reason: String {
        switch self {
        case .lost(let reason), .violation(let reason): reason
        }
    }
}
