import MFSCore

/// Why the registry refused an event as a whole: the shell logs it once per connection, counts
/// it and (for registration problems) closes that chunkserver's connection. Nothing changed.
public enum RegistryError: Error, Equatable, Sendable {
    /// An event for a chunkserver that is not connected.
    case unknownServer(ChunkserverID)
    /// A second registration for a chunkserver that is connected.
    case alreadyConnected(ChunkserverID)
    /// Another connected chunkserver has this data address.
    case addressInUse(ChunkserverAddress, by: ChunkserverID)
    /// Chunkserver id 0.
    case invalidServerID
    /// Address 0.0.0.0 or port 0. (MooseFS also refuses 127.x; this registry takes it, for a
    /// one-host cluster.)
    case invalidAddress(ChunkserverAddress)
    /// More than `RegistryLimits.maxServers` chunkservers.
    case tooManyServers
    /// A report of more than `RegistryLimits.maxChunksPerReport` chunks.
    case tooManyChunks(Int)
    /// Used space above total space, or more than `RegistryLimits.maxServerBytes` in all.
    case spaceOutOfRange(ServerSpace)
    /// A CHUNKS batch or END from a server that already completed its registration.
    case notRegistering(ChunkserverID)
    /// `forget` of a chunkserver that is connected: only one that is gone can be forgotten.
    case stillConnected(ChunkserverID)
}

/// Why a write (or truncate, or duplicate) cannot start now.
public enum WriteRefusal: Error, Equatable, Sendable {
    /// No valid copy is on a registered server, and every chunkserver the registry knows or
    /// the metadata names is registered: the chunk is lost (MooseFS `CHUNKLOST`).
    case missing(ChunkID)
    /// No valid copy is on a registered server while a chunkserver that may hold one (named by
    /// the metadata, or disconnected) is not registered (MooseFS `CSNOTPRESENT`: the client
    /// retries, and the copy comes back with its server).
    case absent(ChunkID)
    /// Another write holds the chunk until then (MooseFS `LOCKED`: the client retries).
    case locked(ChunkID, until: Duration)
    /// A command on the chunk is in flight (MooseFS `CHUNKBUSY`: the client retries).
    case busy(ChunkID)
    /// Held after a failover until enough chunkservers registered, at most until then
    /// (DESIGN §12; MooseFS `EAGAIN`).
    case held(ChunkID, until: Duration)
    /// No connected chunkserver has space for a new chunk (`ENOSPC`).
    case noServers
    /// The namespace does not hold this chunk (or not at the version given).
    case notOwned(ChunkID)
    /// The version would reach bit 31, which the wire uses as a flag.
    case versionExhausted(ChunkID)
}
