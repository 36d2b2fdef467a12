import MFSCore
import MooseWire

/// Why moving a chunk's bytes to or from chunkservers failed, in words for the user.
public enum DataPathError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No connection to a chunkserver, or it broke: the reason.
    case connection(String)
    /// A chunkserver answered with an error status.
    case refused(ChunkserverAddress, MooseStatus, what: String)
    /// A piece whose CRC did not match its bytes (damaged in transit or on disk): never used.
    case badCRC(ChunkserverAddress, offset: Int)
    /// The chunkserver sent something the data port does not allow here.
    case protocolViolation(ChunkserverAddress, String)
    /// Every replica was tried; each failure in order.
    case allReplicasFailed([String])
    /// No chunkserver holds a valid copy (the master gave none).
    case noReplica(ChunkID)

    public var description: String {
        switch self {
        case .connection(let why): why
        case .refused(let server, let status, let what): "chunkserver \(server) refused the \(what): \(status)"
        case .badCRC(let server, let offset): "chunkserver \(server) sent data at chunk offset \(offset) whose CRC does not match"
        case .protocolViolation(let server, let why): "chunkserver \(server) broke the data-port protocol: \(why)"
        case .allReplicasFailed(let reasons): "every replica failed: \(reasons.joined(separator: "; "))"
        case .noReplica(let chunk): "no chunkserver holds a valid copy of chunk \(chunk)"
        }
    }
}
