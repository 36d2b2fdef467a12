import MFSCore
import MFSMetadata
import MFSWire

/// One method per request. Each checks what the wire would refuse (so a bad argument is an
/// errno, never a trap), sends, and unpacks its own reply kind; any other kind is a protocol
/// violation (`MasterReply.answers` already let only the request's own kind or a status in).
extension MasterClient {
    /// Statfs-style figures.
    public func info() async throws(ClientError) -> MasterInfo {
        let reply = try await call { .info($0) }
        guard case .info(_, let info) = reply else { throw Self.unexpected(reply) }
        return info
    }

    /// A name in a directory.
    public func lookup(_ parent: InodeID, _ name: EntryName) async throws(ClientError) -> Attributes {
        let who = credentials
        return try await attributes(call { .lookup($0, who, parent: parent, name: name) })
    }

    public func getAttributes(_ inode: InodeID) async throws(ClientError) -> Attributes {
        try await attributes(call { .getAttributes($0, inode: inode) })
    }

    /// chmod, chown and utimes in one; returns the attributes after the change.
    public func setAttributes(_ inode: InodeID, _ changes: AttributeChanges) async throws(ClientError) -> Attributes {
        let who = credentials
        return try await attributes(call { .setAttributes($0, who, inode: inode, changes: changes) })
    }

    /// A symlink's target.
    public func readlink(_ inode: InodeID) async throws(ClientError) -> [UInt8] {
        let reply = try await call { .readlink($0, inode: inode) }
        guard case .readlink(_, let target) = reply else { throw Self.unexpected(reply) }
        return target
    }

    /// Creates a symlink; a target longer than `WireLimits.maxSymlinkTargetLength` is
    /// ENAMETOOLONG, an empty one ENOENT (as Linux answers).
    public func symlink(_ parent: InodeID, _ name: EntryName, target: [UInt8]) async throws(ClientError) -> Attributes {
        guard !target.isEmpty else { throw .fs(.noEntry) }
        guard target.count <= WireLimits.maxSymlinkTargetLength else { throw .fs(.nameTooLong) }
        let who = credentials
        return try await attributes(call { .symlink($0, who, parent: parent, name: name, target: target) })
    }

    /// Creates a file, fifo, socket or device node; directories and symlinks have their own
    /// calls (EINVAL here).
    public func mknod(
        _ parent: InodeID, _ name: EntryName, type: NodeType = .file, mode: UInt16, rdev: UInt32 = 0
    ) async throws(ClientError) -> Attributes {
        guard type != .directory, type != .symlink else { throw .fs(.invalidArgument) }
        let who = credentials
        return try await attributes(call { .mknod($0, who, parent: parent, name: name, type: type, mode: mode, rdev: rdev) })
    }

    public func mkdir(_ parent: InodeID, _ name: EntryName, mode: UInt16) async throws(ClientError) -> Attributes {
        let who = credentials
        return try await attributes(call { .mkdir($0, who, parent: parent, name: name, mode: mode) })
    }

    /// Removes a non-directory entry; returns the inode it named.
    public func unlink(_ parent: InodeID, _ name: EntryName) async throws(ClientError) -> InodeID {
        let who = credentials
        let reply = try await call { .unlink($0, who, parent: parent, name: name) }
        guard case .unlink(_, let removed) = reply else { throw Self.unexpected(reply) }
        return removed
    }

    /// Removes an empty directory; returns its inode.
    public func rmdir(_ parent: InodeID, _ name: EntryName) async throws(ClientError) -> InodeID {
        let who = credentials
        let reply = try await call { .rmdir($0, who, parent: parent, name: name) }
        guard case .rmdir(_, let removed) = reply else { throw Self.unexpected(reply) }
        return removed
    }

    /// rename(2); returns the inode that moved.
    public func rename(
        _ parent: InodeID, _ name: EntryName, to newParent: InodeID, _ newName: EntryName
    ) async throws(ClientError) -> InodeID {
        let who = credentials
        let reply = try await call { .rename($0, who, parent: parent, name: name, newParent: newParent, newName: newName) }
        guard case .rename(_, let moved) = reply else { throw Self.unexpected(reply) }
        return moved
    }

    /// A hard link to `inode` named `name` in `parent`.
    public func link(_ inode: InodeID, into parent: InodeID, as name: EntryName) async throws(ClientError) -> Attributes {
        let who = credentials
        return try await attributes(call { .link($0, who, inode: inode, newParent: parent, newName: name) })
    }

    /// A page of a directory after `cookie` (0: from the start); continue with the last
    /// entry's cookie until `atEnd`. `maxEntries` is clamped to 1…`WireLimits.maxReaddirEntries`.
    public func readdir(
        _ inode: InodeID, cookie: UInt64 = 0, maxEntries: Int = WireLimits.maxReaddirEntries
    ) async throws(ClientError) -> (entries: [DirectoryListingEntry], atEnd: Bool) {
        let who = credentials
        let count = min(max(maxEntries, 1), WireLimits.maxReaddirEntries)
        let reply = try await call { .readdir($0, who, inode: inode, cookie: cookie, maxEntries: count) }
        guard case .readdir(_, let entries, let atEnd) = reply else { throw Self.unexpected(reply) }
        return (entries, atEnd)
    }

    /// A whole directory, page by page.
    public func listAll(_ inode: InodeID) async throws(ClientError) -> [DirectoryListingEntry] {
        var all: [DirectoryListingEntry] = []
        var cookie: UInt64 = 0
        while true {
            let page = try await readdir(inode, cookie: cookie)
            all += page.entries
            guard !page.atEnd, let last = page.entries.last else { return all }
            cookie = last.cookie
        }
    }

    /// Opens a file: the session holds it until `release` (or the session ends).
    public func open(_ inode: InodeID, flags: OpenFlags) async throws(ClientError) -> Attributes {
        let who = credentials
        let wanted = flags.intersection(.all)
        return try await attributes(call { .open($0, who, inode: inode, flags: wanted) })
    }

    public func release(_ inode: InodeID) async throws(ClientError) {
        let who = credentials
        let reply = try await call { .release($0, who, inode: inode) }
        guard case .status = reply else { throw Self.unexpected(reply) }
    }

    public func getGoal(_ inode: InodeID) async throws(ClientError) -> UInt8 {
        let reply = try await call { .getGoal($0, inode: inode) }
        guard case .getGoal(_, let goal) = reply else { throw Self.unexpected(reply) }
        return goal
    }

    /// Sets the goal of an inode, or of a whole subtree; returns how many inodes changed.
    public func setGoal(_ inode: InodeID, _ goal: UInt8, recursive: Bool) async throws(ClientError) -> UInt64 {
        let who = credentials
        let reply = try await call { .setGoal($0, who, inode: inode, goal: goal, recursive: recursive) }
        guard case .setGoal(_, let changed) = reply else { throw Self.unexpected(reply) }
        return changed
    }

    /// truncate (or, with `opened`, ftruncate of a file this session holds open for writing).
    public func setLength(_ inode: InodeID, _ length: UInt64, opened: Bool) async throws(ClientError) -> Attributes {
        let who = credentials
        return try await attributes(call { .setLength($0, who, inode: inode, length: length, opened: opened) })
    }

    /// A page of a file's chunks from chunk `firstIndex`; `maxChunks` is clamped to
    /// 1…`WireLimits.maxChunksPerReply`.
    public func chunks(
        _ inode: InodeID, firstIndex: UInt32 = 0, maxChunks: Int = WireLimits.maxChunksPerReply
    ) async throws(ClientError) -> (chunks: [ChunkInfo], atEnd: Bool) {
        let count = min(max(maxChunks, 1), WireLimits.maxChunksPerReply)
        let reply = try await call { .chunks($0, inode: inode, firstIndex: firstIndex, maxChunks: count) }
        guard case .chunks(_, let chunks, let atEnd) = reply else { throw Self.unexpected(reply) }
        return (chunks, atEnd)
    }

    /// The attributes of the entry at `path`, inside the mount (`/` is the mount's root): one
    /// lookup per component, with `.` and `..` resolved lexically and symlinks not followed
    /// (as `lstat`).
    public func resolve(_ path: String) async throws(ClientError) -> Attributes {
        try await resolve(PathComponents.split(path))
    }

    /// The attributes of the entry reached by `names` from the mount's root.
    public func resolve(_ names: [EntryName]) async throws(ClientError) -> Attributes {
        var current = try await getAttributes(grant.root)
        for name in names {
            guard current.type == .directory else { throw .fs(.notDirectory) }
            current = try await lookup(current.inode, name)
        }
        return current
    }

    private func attributes(_ reply: MasterReply) throws(ClientError) -> Attributes {
        guard let attributes = reply.attributes else { throw Self.unexpected(reply) }
        return attributes
    }

    static func unexpected(_ reply: MasterReply) -> ClientError {
        .protocolViolation("\(reply.messageType) carries no result for its request")
    }
}
