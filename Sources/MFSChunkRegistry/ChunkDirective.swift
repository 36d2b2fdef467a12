import MFSCore

/// A chunkserver answer's status byte (MooseFS's `MFS_STATUS` codes). A struct, so a code from a
/// newer peer survives.
public struct ChunkStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ok = ChunkStatus(rawValue: 0)
    public static let invalidArgument = ChunkStatus(rawValue: 6)
    public static let chunkLost = ChunkStatus(rawValue: 8)
    public static let noChunk = ChunkStatus(rawValue: 13)
    public static let chunkBusy = ChunkStatus(rawValue: 14)
    /// The command was refused before it started (a full job queue): nothing changed.
    public static let notDone = ChunkStatus(rawValue: 16)
    public static let wrongVersion = ChunkStatus(rawValue: 19)
    public static let chunkExists = ChunkStatus(rawValue: 20)
    public static let noSpace = ChunkStatus(rawValue: 21)
    public static let ioError = ChunkStatus(rawValue: 22)
    public static let cantConnect = ChunkStatus(rawValue: 26)
    public static let disconnected = ChunkStatus(rawValue: 28)
    /// Made up by the registry: no answer within `RegistrySettings.operationTimeout`.
    public static let timedOut = ChunkStatus(rawValue: 255)
    public var description: String { String(rawValue) }
}

/// The kinds of command the master sends on 9420 (MooseFS 3.0.117's per-operation messages).
public enum CommandKind: Equatable, Hashable, Sendable {
    case create, delete, setVersion, duplicate, truncate, duplicateTruncate, replicate
}

/// A command's answer. For duplicates `chunk` is the new chunk, as on the wire.
public struct CommandResult: Equatable, Sendable {
    public var kind: CommandKind
    public var chunk: ChunkID
    public var status: ChunkStatus
    /// The version the answer names, where it names one (a replication's): an answer for
    /// another version than the operation's is an earlier command's, answering late.
    public var version: UInt32?
    public init(_ kind: CommandKind, chunk: ChunkID, status: ChunkStatus, version: UInt32? = nil) {
        self.kind = kind
        self.chunk = chunk
        self.status = status
        self.version = version
    }
}

/// Why a copy is deleted.
public enum DeletionReason: Equatable, Sendable {
    /// Its version is not the chunk's (and a valid copy exists elsewhere).
    case staleVersion
    /// Reported damaged, or a command on it failed (and a valid copy exists elsewhere).
    case invalid
    /// No file holds the chunk any more.
    case orphan
    /// More valid copies than the goal.
    case overGoal
    /// Not this namespace's chunk, and `RegistrySettings.deleteUnknownChunks` is on.
    case unknown
}

/// Why a chunk is replicated.
public enum ReplicationReason: Equatable, Sendable {
    /// Fewer valid copies on normal disks than the goal (`valid` counts every valid copy).
    case underGoal(valid: Int, goal: UInt8)
}

/// A command for one chunkserver, one per MooseFS `MATOCS_*` message (layouts in
/// docs/research/moosefs-3.0-chunkserver-protocol.md §2.1). Versions never have bit 31 set.
public enum ChunkCommand: Equatable, Sendable {
    /// `MATOCS_CREATE(chunk, version)`: a new empty chunk.
    case create(ChunkID, version: UInt32)
    /// `MATOCS_DELETE(chunk, version)`; version 0 means whatever version the server has.
    case delete(ChunkID, version: UInt32, reason: DeletionReason)
    /// `MATOCS_SET_VERSION(chunk, version, oldVersion)`.
    case setVersion(ChunkID, version: UInt32, oldVersion: UInt32)
    /// `MATOCS_DUPLICATE(chunk, version, from, fromVersion)`: copy-on-write for a snapshot.
    case duplicate(ChunkID, version: UInt32, from: ChunkID, fromVersion: UInt32)
    /// `MATOCS_TRUNCATE(chunk, length, version, oldVersion)`.
    case truncate(ChunkID, length: UInt32, version: UInt32, oldVersion: UInt32)
    /// `MATOCS_DUPTRUNC(chunk, version, from, fromVersion, length)`.
    case duplicateTruncate(ChunkID, version: UInt32, from: ChunkID, fromVersion: UInt32, length: UInt32)
    /// `MATOCS_REPLICATE(chunk, version, source ip, source port)`, sent to the destination.
    case replicate(ChunkID, version: UInt32, source: ChunkserverID, sourceAddress: ChunkserverAddress, reason: ReplicationReason)

    /// Whether the command deletes a copy or moves it to another version or length (what a
    /// namespace change not yet committed must not cause).
    public var changesCopies: Bool {
        switch self {
        case .delete, .setVersion, .truncate: true
        case .create, .duplicate, .duplicateTruncate, .replicate: false
        }
    }

    public var chunk: ChunkID {
        switch self {
        case .create(let c, _), .delete(let c, _, _), .setVersion(let c, _, _), .duplicate(let c, _, _, _): c
        case .truncate(let c, _, _, _), .duplicateTruncate(let c, _, _, _, _), .replicate(let c, _, _, _, _): c
        }
    }

    public var kind: CommandKind {
        switch self {
        case .create: .create
        case .delete: .delete
        case .setVersion: .setVersion
        case .duplicate: .duplicate
        case .truncate: .truncate
        case .duplicateTruncate: .duplicateTruncate
        case .replicate: .replicate
        }
    }
}

/// A chunkserver holding a chunk, as a client needs it (the write chain, reads).
public struct ChunkLocation: Equatable, Sendable {
    public var server: ChunkserverID
    public var address: ChunkserverAddress
    public init(server: ChunkserverID, address: ChunkserverAddress) {
        self.server = server
        self.address = address
    }
}

/// What a multi-server operation (create, set version before a write, truncate, duplicate) came
/// to once every server answered or timed out.
public struct OperationOutcome: Equatable, Sendable {
    public var chunk: ChunkID
    public var kind: CommandKind
    /// The chunk's version after the operation.
    public var version: UInt32
    /// The servers that did it, in write-chain order. Empty: the operation failed.
    public var chain: [ChunkLocation]
    /// The servers that did not, with their status.
    public var failed: [ChunkserverID: ChunkStatus]

    public var succeeded: Bool { !chain.isEmpty }
}

/// Input the registry did not act on, for the shell to log (rate-limited) and count.
public enum IgnoredInput: Equatable, Sendable {
    /// Copies of chunks this namespace does not know, kept (`deleteUnknownChunks` is off):
    /// how many in this report, and the first.
    case unknownChunksKept(server: ChunkserverID, count: Int, first: ChunkID)
    /// Report entries with chunk id 0 or a version with bit 31 set.
    case malformedEntries(server: ChunkserverID, count: Int)
    /// A lost or damaged report for copies the registry does not have on that server.
    case copiesNotHeld(server: ChunkserverID, count: Int, first: ChunkID)
    /// An answer to no command in flight (late, after a timeout, or twice).
    case unexpectedResult(server: ChunkserverID, CommandResult)
    /// A write end for a chunk that was not locked.
    case writeNotLocked(ChunkID)
}

/// What the shell must do, in order. Its duties: `send` the command on that server's
/// connection (every directive names a connected, registered server); on `finished` answer the
/// client or the namespace operation that waits for it; log and count `ignored`.
public enum ChunkDirective: Equatable, Sendable {
    case send(ChunkCommand, to: ChunkserverID)
    case finished(OperationOutcome)
    case ignored(IgnoredInput)
    /// The chunk's copies were all one version behind the namespace and move up to it (the
    /// shell logs it as a warning; the commands follow as `send`).
    case catchingUp(ChunkID, from: UInt32, to: UInt32, servers: [ChunkserverID])
    /// The chunk's copies are one version ahead of the namespace, and no copy is at its
    /// version: the change that gave them their version was lost (a failover without
    /// synchronous replicas). The shell records `version` in the namespace (`INCVERSION`) if
    /// the chunk is still one version behind there.
    case adopt(ChunkID, version: UInt32)
}
