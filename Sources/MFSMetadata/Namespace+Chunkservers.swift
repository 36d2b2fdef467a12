import MFSChangelog
import MFSCore

/// The chunkserver list (MooseFS's `csdb`) is metadata: the master gives a chunkserver that
/// registers without an id (csid 0) the lowest free id, records it with `CHUNKSERVER`, and sends
/// it in the registration answer; the chunkserver keeps it in `chunkserverid.mfs` and sends it
/// on every later registration. A chunkserver that comes back with its id at another address is
/// moved (`CHUNKSERVER` again). Because the list goes through the changelog, a new active master
/// knows every chunkserver (the chunk registry's write hold waits for them) and gives no id out
/// twice. The namespace records the list and checks it; when to add, move or remove is the
/// chunkserver port's business.
extension Namespace {
    /// Records chunkserver `id` at `address` (`CHUNKSERVER`): a new one, or one that moved.
    /// EINVAL for id 0 or address 0; EEXIST if another chunkserver has the address.
    public mutating func setChunkserver(_ id: ChunkserverID, at address: ChunkserverAddress, now: UnixTime) throws(FSError)
        -> ChangelogRecord
    {
        try commit(.chunkserver(id, address), now: now, request: nil)
    }

    /// Forgets chunkserver `id` (`CHUNKSERVERDEL`). ENOENT if it is not known.
    public mutating func removeChunkserver(_ id: ChunkserverID, now: UnixTime) throws(FSError) -> ChangelogRecord {
        try commit(.chunkserverRemoved(id), now: now, request: nil)
    }

    /// The id a new chunkserver gets: the lowest one not in use (as MooseFS's `csdb_newid`), nil
    /// when all 65,535 are.
    public var freeChunkserverID: ChunkserverID? {
        var candidate: UInt16 = 1
        for id in chunkservers.keys.sorted() {
            guard id.rawValue == candidate else { break }
            guard candidate < UInt16.max else { return nil }
            candidate += 1
        }
        return ChunkserverID(candidate)
    }

    /// The chunkserver known at `address`, if any.
    public func chunkserver(at address: ChunkserverAddress) -> ChunkserverID? {
        chunkservers.first { $0.value == address }?.key
    }

    mutating func performSetChunkserver(_ id: ChunkserverID, _ address: ChunkserverAddress) throws(FSError) {
        guard id != .none, address.ip != 0, address.port != 0 else { throw .invalidArgument }
        if let holder = chunkserver(at: address), holder != id { throw .exists }
        if let old = chunkservers[id] { checksum &-= Self.chunkserverContribution(id, old) }
        chunkservers[id] = address
        checksum &+= Self.chunkserverContribution(id, address)
    }

    mutating func performRemoveChunkserver(_ id: ChunkserverID) throws(FSError) {
        guard let old = chunkservers.removeValue(forKey: id) else { throw .noEntry }
        checksum &-= Self.chunkserverContribution(id, old)
    }

    /// One chunkserver's share of the namespace checksum.
    static func chunkserverContribution(_ id: ChunkserverID, _ address: ChunkserverAddress) -> UInt64 {
        let h = StableHash.combine(0xC5_DB00_0000_0005, UInt64(id.rawValue))
        return StableHash.mix(StableHash.combine(h, UInt64(address.ip) << 16 | UInt64(address.port)))
    }
}
