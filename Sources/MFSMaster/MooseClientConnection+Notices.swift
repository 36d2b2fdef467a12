import MFSCore
import MFSMetadata
import MooseClientWire
import MooseWire
import NIOCore

/// The notices MooseFS's master pushes to mfsmount unasked (matoclserv.c), so a mount drops
/// what it cached of a file another mount changed: CHUNK_HAS_CHANGED when a writer is given a
/// chunk and when its write ends (the reader re-reads that chunk; with the truncate flag, a
/// cut), FLENG_HAS_CHANGED after a truncate (the reader's length and cache past it), both to
/// the other sessions that have the file open; INVALIDATE_CHUNK_CACHE to every session when a
/// chunkserver finished registering or went away.
extension MooseClientConnection {
    /// From the register on, this connection receives the notices of its session.
    func listenForNotices(_ session: ClientSession) {
        guard let eventLoop = handler.eventLoop else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let version = clientVersion.rawValue
        let v3_0_74 = MooseVersion(major: 3, mid: 0, minor: 74).rawValue
        let v3_0_100 = MooseVersion(major: 3, mid: 0, minor: 100).rawValue
        let v4_0_0 = MooseVersion(major: 4, mid: 0, minor: 0).rawValue
        let v4_3_0 = MooseVersion(major: 4, mid: 3, minor: 0).rawValue
        let listener = MooseClientState.Listener(
            connection: ObjectIdentifier(self), root: session.root, knowsFileNotices: version >= v3_0_74,
            knowsCacheNotice: version >= v4_3_0 || (version >= v3_0_100 && version < v4_0_0)
        ) { bytes in
            eventLoop.execute { bound.value.sendNotice(bytes) }
        }
        state.listen(session.id, listener)
    }

    func stopListening() {
        guard let session = handler.ownedSession else { return }
        state.stopListening(session, connection: ObjectIdentifier(self))
    }

    /// CHUNK_HAS_CHANGED about chunk `index` of `inode` to the other sessions holding it open.
    func noticeChunkChanged(
        _ inode: InodeID, index: UInt32, chunk: UInt64, version: UInt32, fileLength: UInt64, truncated: Bool, _ session: ClientSession
    ) {
        let namespace = shared.service.namespace
        state.notify(holdersOf: inode, except: session.id, holds: { namespace.session($0, holds: inode) }) {
            .chunkHasChanged(
                inode: $0, index: index, chunkID: chunk, version: version, fileLength: fileLength, truncated: truncated ? 1 : 0)
        }
    }

    /// FLENG_HAS_CHANGED for `inode` to the other sessions holding it open.
    func noticeLengthChanged(_ inode: InodeID, length: UInt64, _ session: ClientSession) {
        let namespace = shared.service.namespace
        state.notify(holdersOf: inode, except: session.id, holds: { namespace.session($0, holds: inode) }) {
            .lengthHasChanged(inode: $0, fileLength: length)
        }
    }

    /// After a length change of `inode` to `length`: a cut inside a chunk is CHUNK_HAS_CHANGED
    /// with the truncate flag (the readers drop that chunk and what follows), any other
    /// FLENG_HAS_CHANGED, as MooseFS's master answers its TRUNCATE.
    func noticeTruncated(_ inode: InodeID, length: UInt64, _ session: ClientSession) {
        let chunkSize = NamespaceLimits.chunkSize
        let index = UInt32(length / chunkSize)
        let namespace = shared.service.namespace
        if length % chunkSize != 0, let found = try? namespace.chunk(of: inode, index: index), found.chunk != .none {
            let version = namespace.chunkVersion(found.chunk) ?? 0
            return noticeChunkChanged(
                inode, index: index, chunk: found.chunk.rawValue, version: version, fileLength: length, truncated: true, session)
        }
        noticeLengthChanged(inode, length: length, session)
    }
}
