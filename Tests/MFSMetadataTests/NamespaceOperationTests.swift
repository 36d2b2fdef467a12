import MFSChangelog
import MFSCore
import Testing

@testable import MFSMetadata

@Suite struct CreateAndLookupTests {
    @Test func createReturnsRecordWithNewInode() throws {
        var ns = newNamespace()
        _ = try ns.setAttributes(.root, AttributeChanges(mode: 0o777), as: .root, now: t0)
        let (attrs, record) = try ns.create(.root, "notes.txt", type: .file, mode: 0o644, as: alice, now: t0)
        #expect(attrs.inode == InodeID(2))
        #expect(attrs.uid == 1000 && attrs.gid == 1000 && attrs.mode == 0o644 && attrs.nlink == 1)
        #expect(record.version == MetaVersion(3))
        #expect(record.result == 2)
        #expect(record.change == .create(parent: .root, name: "notes.txt", type: .file, mode: 0o644, uid: 1000, gid: 1000, rdev: 0))
        #expect(try ns.lookup(.root, "notes.txt", as: alice) == attrs)
    }

    @Test func everyNodeTypeCanBeCreated() throws {
        var ns = newNamespace()
        for (i, type) in [NodeType.file, .directory, .fifo, .socket, .blockDevice, .charDevice].enumerated() {
            let attrs = try ns.create(.root, try EntryName(validating: "n\(i)"), type: type, mode: 0o600, rdev: 0x0801, as: .root, now: t0)
                .0
            #expect(attrs.type == type)
            #expect(attrs.rdev == ((type == .blockDevice || type == .charDevice) ? 0x0801 : 0))
        }
        #expect(throws: FSError.invalidArgument) { try ns.create(.root, "x", type: .symlink, mode: 0o777, as: .root, now: t0) }
    }

    @Test func createExistingNameIsEEXIST() throws {
        var ns = newNamespace()
        try ns.make(.root, "a")
        #expect(throws: FSError.exists) { try ns.make(.root, "a", .directory) }
    }

    @Test func createInMissingOrNonDirectoryParent() throws {
        var ns = newNamespace()
        let file = try ns.make(.root, "f")
        #expect(throws: FSError.noEntry) { try ns.make(InodeID(99), "a") }
        #expect(throws: FSError.notDirectory) { try ns.make(file, "a") }
        #expect(throws: FSError.noEntry) { try ns.lookup(.root, "missing", as: .root) }
        #expect(throws: FSError.notDirectory) { try ns.lookup(file, "a", as: .root) }
    }

    @Test func mkdirUpdatesParentLinkCountAndTimes() throws {
        var ns = newNamespace()
        _ = try ns.create(.root, "d", type: .directory, mode: 0o755, as: .root, now: UnixTime(t0.rawValue + 5))
        let root = try ns.attributes(of: .root)
        #expect(root.nlink == 3)
        #expect(root.mtime == UnixTime(t0.rawValue + 5) && root.ctime == root.mtime)
        #expect(root.length == 1)
        #expect(try ns.resolve("d").rawValue == 2)
    }

    @Test func nameLimitsAreEnforcedAtAndPastTheLimit() throws {
        #expect(throws: Never.self) { try EntryName(validating: [UInt8](repeating: 0x61, count: 255)) }
        #expect(throws: FSError.nameTooLong) { try EntryName(validating: [UInt8](repeating: 0x61, count: 256)) }
        #expect(throws: FSError.invalidArgument) { try EntryName(validating: [UInt8]()) }
        #expect(throws: FSError.invalidArgument) { try EntryName(validating: "a/b") }
        #expect(throws: FSError.invalidArgument) { try EntryName(validating: [0x61, 0]) }
        #expect(throws: FSError.invalidArgument) { try EntryName(validating: ".") }
        #expect(throws: FSError.invalidArgument) { try EntryName(validating: "..") }
        var ns = newNamespace()
        let long = try EntryName(validating: [UInt8](repeating: 0xE9, count: 255))
        try ns.make(.root, long)
        #expect(try ns.lookup(.root, long, as: .root).inode == InodeID(2))
    }

    @Test func goalIsInheritedFromTheParentDirectory() throws {
        var ns = newNamespace()
        let d = try ns.make(.root, "d", .directory)
        _ = try ns.setGoal(d, 5, as: .root, now: t0)
        let f = try ns.make(d, "f")
        #expect(try ns.goal(of: f) == 5)
        #expect(try ns.goal(of: .root) == NamespaceLimits.defaultGoal)
    }

    @Test func setGIDDirectoryGivesItsGroupAndInheritsToSubdirectories() throws {
        var ns = newNamespace()
        let d = try ns.make(.root, "shared", .directory, mode: 0o2777)
        _ = try ns.setAttributes(d, AttributeChanges(gid: 500), as: .root, now: t0)
        let file = try ns.create(d, "f", type: .file, mode: 0o644, as: alice, now: t0).0
        #expect(file.gid == 500)
        let sub = try ns.create(d, "s", type: .directory, mode: 0o755, as: alice, now: t0).0
        #expect(sub.gid == 500 && sub.mode & 0o2000 != 0)
    }

    @Test func inodeNumbersAreNotReusedWithinTheDelay() throws {
        var ns = newNamespace(parameters: NamespaceParameters(inodeReuseDelaySeconds: 100))
        let a = try ns.make(.root, "a")
        _ = try ns.unlink(.root, "a", as: .root, now: t0)
        let b = try ns.create(.root, "b", type: .file, mode: 0o644, as: .root, now: UnixTime(t0.rawValue + 99)).0.inode
        #expect(b != a)
        let c = try ns.create(.root, "c", type: .file, mode: 0o644, as: .root, now: UnixTime(t0.rawValue + 100)).0.inode
        #expect(c == a)
    }
}

@Suite struct RemoveTests {
    @Test func unlinkRemovesEntryAndInode() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        let (removed, record) = try ns.unlink(.root, "f", as: .root, now: t0)
        #expect(removed == f && record.result == UInt64(f.rawValue))
        #expect(throws: FSError.noEntry) { try ns.attributes(of: f) }
        #expect(ns.inodeCount == 1)
    }

    @Test func unlinkErrors() throws {
        var ns = newNamespace()
        try ns.make(.root, "d", .directory)
        #expect(throws: FSError.isDirectory) { try ns.unlink(.root, "d", as: .root, now: t0) }
        #expect(throws: FSError.noEntry) { try ns.unlink(.root, "nope", as: .root, now: t0) }
    }

    @Test func rmdirRules() throws {
        var ns = newNamespace()
        let d = try ns.make(.root, "d", .directory)
        try ns.make(d, "f")
        try ns.make(.root, "file")
        #expect(throws: FSError.notEmpty) { try ns.rmdir(.root, "d", as: .root, now: t0) }
        #expect(throws: FSError.notDirectory) { try ns.rmdir(.root, "file", as: .root, now: t0) }
        _ = try ns.unlink(d, "f", as: .root, now: t0)
        _ = try ns.rmdir(.root, "d", as: .root, now: t0)
        #expect(try ns.attributes(of: .root).nlink == 2)
    }

    @Test func unlinkedOpenFileLivesUntilLastRelease() throws {
        var ns = newNamespace()
        let (s1, _) = try ns.openSession(info: Array("client-1".utf8), now: t0)
        let (s2, _) = try ns.openSession(info: Array("client-2".utf8), now: t0)
        let f = try ns.make(.root, "f")
        _ = try ns.acquire(f, session: s1, now: t0)
        _ = try ns.acquire(f, session: s2, now: t0)
        _ = try ns.unlink(.root, "f", as: .root, now: t0)
        #expect(try ns.attributes(of: f).nlink == 0)
        _ = try ns.release(f, session: s1, now: t0)
        #expect(try ns.openCount(of: f) == 1)
        _ = try ns.closeSession(s2, now: t0)
        #expect(throws: FSError.noEntry) { try ns.attributes(of: f) }
    }

    @Test func releaseOfAnInodeNotOpenIsEINVAL() throws {
        var ns = newNamespace()
        let (s, _) = try ns.openSession(info: [], now: t0)
        let f = try ns.make(.root, "f")
        #expect(throws: FSError.invalidArgument) { try ns.release(f, session: s, now: t0) }
        #expect(throws: FSError.badSession) { try ns.acquire(f, session: SessionID(77), now: t0) }
    }

    /// Opens are counted in 32 bits: at `maxOpens`, by one session or by all together, one
    /// more is refused with ENOSPC and changes nothing (before, the count trapped: on the active
    /// master, and again on every follower replaying it).
    @Test func anOpenPastTheCountIsRefused() throws {
        var ns = newNamespace()
        let (s1, _) = try ns.openSession(info: [], now: t0)
        let (s2, _) = try ns.openSession(info: [], now: t0)
        let f = try ns.make(.root, "f")
        _ = try ns.acquire(f, session: s1, now: t0)
        ns.sessions[s1]!.open[f.rawValue] = NamespaceLimits.maxOpens
        ns.inodes.modify(Int(f.rawValue)) { $0.openCount = NamespaceLimits.maxOpens - 1 }
        let version = ns.version
        #expect(throws: FSError.noSpace) { try ns.acquire(f, session: s1, now: t0) }
        // Another session: its own count is 0, but the inode's total is one short of the limit.
        _ = try ns.acquire(f, session: s2, now: t0)
        #expect(try ns.openCount(of: f) == NamespaceLimits.maxOpens)
        #expect(throws: FSError.noSpace) { try ns.acquire(f, session: s2, now: t0) }
        #expect(ns.version == version.next && ns.sessions[s2]!.open[f.rawValue] == 1)
        _ = try ns.release(f, session: s2, now: t0)
        _ = try ns.acquire(f, session: s2, now: t0)
    }
}

@Suite struct RenameTests {
    @Test func renameWithinAndAcrossDirectories() throws {
        var ns = newNamespace()
        let a = try ns.make(.root, "a", .directory)
        let b = try ns.make(.root, "b", .directory)
        let f = try ns.make(a, "f")
        _ = try ns.rename(a, "f", to: a, "g", as: .root, now: t0)
        #expect(try ns.resolve("a/g") == f)
        _ = try ns.rename(a, "g", to: b, "h", as: .root, now: t0)
        #expect(try ns.resolve("b/h") == f)
        #expect(throws: FSError.noEntry) { try ns.resolve("a/g") }
        let sub = try ns.make(a, "sub", .directory)
        _ = try ns.rename(a, "sub", to: b, "sub", as: .root, now: t0)
        #expect(try ns.attributes(of: a).nlink == 2 && ns.attributes(of: b).nlink == 3)
        #expect(ns.inodes[Int(sub.rawValue)].parent == b.rawValue)
    }

    @Test func renameOverExistingFileReplacesIt() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        let g = try ns.make(.root, "g")
        _ = try ns.rename(.root, "f", to: .root, "g", as: .root, now: t0)
        #expect(try ns.resolve("g") == f)
        #expect(throws: FSError.noEntry) { try ns.attributes(of: g) }
        #expect(try ns.attributes(of: .root).length == 1)
    }

    @Test func renameDirectoryIntoItsOwnSubtreeIsEINVAL() throws {
        var ns = newNamespace()
        let a = try ns.make(.root, "a", .directory)
        let b = try ns.make(a, "b", .directory)
        #expect(throws: FSError.invalidArgument) { try ns.rename(.root, "a", to: b, "a", as: .root, now: t0) }
        #expect(throws: FSError.invalidArgument) { try ns.rename(.root, "a", to: a, "x", as: .root, now: t0) }
    }

    @Test func nonEmptyDirectoryCannotBeReplaced() throws {
        var ns = newNamespace()
        try ns.make(.root, "a", .directory)
        let b = try ns.make(.root, "b", .directory)
        try ns.make(b, "x")
        #expect(throws: FSError.notEmpty) { try ns.rename(.root, "a", to: .root, "b", as: .root, now: t0) }
        _ = try ns.unlink(b, "x", as: .root, now: t0)
        _ = try ns.rename(.root, "a", to: .root, "b", as: .root, now: t0)
        #expect(try ns.attributes(of: .root).nlink == 3)
    }

    @Test func fileAndDirectoryCannotReplaceEachOther() throws {
        var ns = newNamespace()
        try ns.make(.root, "d", .directory)
        try ns.make(.root, "f")
        #expect(throws: FSError.isDirectory) { try ns.rename(.root, "f", to: .root, "d", as: .root, now: t0) }
        #expect(throws: FSError.notDirectory) { try ns.rename(.root, "d", to: .root, "f", as: .root, now: t0) }
    }

    @Test func renameOntoAnotherLinkOfTheSameFileDoesNothing() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        _ = try ns.link(f, into: .root, as: "g", who: .root, now: t0)
        _ = try ns.rename(.root, "f", to: .root, "g", as: .root, now: t0)
        #expect(try ns.resolve("f") == f && ns.resolve("g") == f)
        #expect(try ns.attributes(of: f).nlink == 2)
    }

    @Test func renameMissingSourceIsENOENT() throws {
        var ns = newNamespace()
        #expect(throws: FSError.noEntry) { try ns.rename(.root, "nope", to: .root, "x", as: .root, now: t0) }
    }
}

@Suite struct LinkAndSymlinkTests {
    @Test func hardLinksKeepLinkCountRight() throws {
        var ns = newNamespace()
        let d = try ns.make(.root, "d", .directory)
        let f = try ns.make(.root, "f")
        _ = try ns.link(f, into: d, as: "f2", who: .root, now: t0)
        _ = try ns.link(f, into: .root, as: "f3", who: .root, now: t0)
        #expect(try ns.attributes(of: f).nlink == 3)
        _ = try ns.unlink(.root, "f", as: .root, now: t0)
        #expect(try ns.attributes(of: f).nlink == 2)
        _ = try ns.unlink(d, "f2", as: .root, now: t0)
        _ = try ns.unlink(.root, "f3", as: .root, now: t0)
        #expect(throws: FSError.noEntry) { try ns.attributes(of: f) }
    }

    @Test func hardLinkToDirectoryIsEPERMAndExistingNameEEXIST() throws {
        var ns = newNamespace()
        let d = try ns.make(.root, "d", .directory)
        let f = try ns.make(.root, "f")
        #expect(throws: FSError.notPermitted) { try ns.link(d, into: .root, as: "d2", who: .root, now: t0) }
        #expect(throws: FSError.exists) { try ns.link(f, into: .root, as: "d", who: .root, now: t0) }
    }

    @Test func linkCountLimitIsEMLINK() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        ns.updateInode(f.rawValue) { $0.nlink = NamespaceLimits.maxLinks - 1 }
        _ = try ns.link(f, into: .root, as: "last", who: .root, now: t0)
        #expect(try ns.attributes(of: f).nlink == NamespaceLimits.maxLinks)
        #expect(throws: FSError.tooManyLinks) { try ns.link(f, into: .root, as: "past", who: .root, now: t0) }
        ns.updateInode(InodeID.root.rawValue) { $0.nlink = NamespaceLimits.maxLinks }
        #expect(throws: FSError.tooManyLinks) { try ns.make(.root, "dir", .directory) }
    }

    @Test func symlinkAndReadlink() throws {
        var ns = newNamespace()
        _ = try ns.setAttributes(.root, AttributeChanges(mode: 0o777), as: .root, now: t0)
        let target = Array("../some/where".utf8)
        let attrs = try ns.symlink(.root, "l", target: target, as: alice, now: t0).0
        #expect(attrs.type == .symlink && attrs.length == UInt64(target.count) && attrs.mode == 0o777)
        #expect(try ns.readlink(attrs.inode) == target)
        let f = try ns.make(.root, "f")
        #expect(throws: FSError.invalidArgument) { try ns.readlink(f) }
    }

    @Test func symlinkTargetLimits() throws {
        var ns = newNamespace()
        let max = [UInt8](repeating: 0x61, count: NamespaceLimits.maxSymlinkTargetLength)
        _ = try ns.symlink(.root, "ok", target: max, as: .root, now: t0)
        #expect(throws: FSError.nameTooLong) { try ns.symlink(.root, "long", target: max + [0x61], as: .root, now: t0) }
        #expect(throws: FSError.invalidArgument) { try ns.symlink(.root, "empty", target: [], as: .root, now: t0) }
        #expect(throws: FSError.invalidArgument) { try ns.symlink(.root, "nul", target: [0x61, 0], as: .root, now: t0) }
    }
}

@Suite struct AttributeTests {
    @Test func setAttributesRecordsFinalValues() throws {
        var ns = newNamespace()
        _ = try ns.setAttributes(.root, AttributeChanges(mode: 0o777), as: .root, now: t0)
        let f = try ns.make(.root, "f", as: alice)
        let later = UnixTime(t0.rawValue + 10)
        let (attrs, record) = try ns.setAttributes(f, AttributeChanges(mode: 0o600, mtime: .set(UnixTime(5))), as: alice, now: later)
        #expect(attrs.mode == 0o600 && attrs.mtime == UnixTime(5) && attrs.ctime == later && attrs.atime == t0)
        #expect(record.change == .setAttributes(inode: f, mode: 0o600, uid: 1000, gid: 1000, atime: t0, mtime: UnixTime(5)))
    }

    @Test func truncateDropsAndCutsChunks() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        let size = NamespaceLimits.chunkSize
        let c0 = try ns.addChunk(f, index: 0, now: t0).0
        let c1 = try ns.addChunk(f, index: 1, now: t0).0
        let c3 = try ns.addChunk(f, index: 3, now: t0).0
        _ = try ns.setLength(f, 4 * size, as: .root, now: t0)
        #expect(try ns.chunks(of: f).map(\.chunk) == [c0, c1, c3])
        #expect(ns.chunkExtent(c0) == UInt32(size) && ns.chunkExtent(c3) == UInt32(size))
        _ = try ns.setLength(f, size + 100, as: .root, now: t0)
        #expect(try ns.chunks(of: f) == [ChunkInfo(index: 0, chunk: c0, version: 1), ChunkInfo(index: 1, chunk: c1, version: 2)])
        #expect(ns.chunkVersion(c3) == nil)
        // The bytes of each chunk inside the file: whole, cut, none held.
        #expect(ns.chunkExtent(c0) == UInt32(size) && ns.chunkExtent(c1) == 100 && ns.chunkExtent(c3) == nil)
        _ = try ns.setLength(f, size, as: .root, now: t0)
        #expect(try ns.chunks(of: f).map(\.chunk) == [c0])
        #expect(ns.chunkVersion(c0) == 1)
        #expect(try ns.attributes(of: f).length == size)
        _ = try ns.setLength(f, 0, as: .root, now: t0)
        #expect(try ns.chunks(of: f).isEmpty && ns.chunkCount == 0)
    }

    @Test func setLengthErrors() throws {
        var ns = newNamespace()
        let d = try ns.make(.root, "d", .directory)
        let f = try ns.make(.root, "f")
        #expect(throws: FSError.isDirectory) { try ns.setLength(d, 0, as: .root, now: t0) }
        #expect(throws: FSError.fileTooLarge) { try ns.setLength(f, NamespaceLimits.maxFileLength + 1, as: .root, now: t0) }
        _ = try ns.setLength(f, NamespaceLimits.maxFileLength, as: .root, now: t0)
    }

    @Test func chunkOperations() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        let d = try ns.make(.root, "d", .directory)
        let c = try ns.addChunk(f, index: 2, now: t0).0
        #expect(ns.chunkExtent(c) == 0, "a chunk wholly past the file's end holds nothing of it")
        #expect(throws: FSError.exists) { try ns.addChunk(f, index: 2, now: t0) }
        #expect(throws: FSError.isDirectory) { try ns.addChunk(d, index: 0, now: t0) }
        #expect(throws: FSError.fileTooLarge) { try ns.addChunk(f, index: NamespaceLimits.maxChunkIndex, now: t0) }
        #expect(try ns.bumpChunkVersion(c, now: t0).0 == 2)
        #expect(throws: FSError.noEntry) { try ns.bumpChunkVersion(ChunkID(999), now: t0) }
        _ = try ns.unlink(.root, "f", as: .root, now: t0)
        #expect(ns.chunkVersion(c) == nil && ns.chunkCount == 0)
    }

    @Test func setGoalRecursiveCountsChanges() throws {
        var ns = newNamespace()
        let d = try ns.make(.root, "d", .directory)
        let e = try ns.make(d, "e", .directory)
        try ns.make(e, "f")
        try ns.make(d, "g")
        #expect(try ns.setGoal(d, 3, recursive: true, as: .root, now: t0).changed == 4)
        #expect(try ns.setGoal(d, 3, recursive: true, as: .root, now: t0).changed == 0)
        #expect(try ns.goal(of: ns.resolve("d/e/f")) == 3)
        #expect(throws: FSError.invalidArgument) { try ns.setGoal(d, 0, as: .root, now: t0) }
        #expect(throws: FSError.invalidArgument) { try ns.setGoal(d, 10, as: .root, now: t0) }
        _ = try ns.setGoal(d, 9, as: .root, now: t0)
        _ = try ns.setGoal(d, 1, as: .root, now: t0)
    }
}

@Suite struct SessionTests {
    @Test func requestMemoryAnswersRetriesAndExpiresOldOnes() throws {
        var ns = newNamespace(parameters: NamespaceParameters(requestMemory: 3))
        let (s, _) = try ns.openSession(info: [], now: t0)
        var results: [UInt64?] = []
        for i in 1...5 {
            let tag = RequestTag(session: s, request: RequestID(UInt64(i)))
            #expect(try ns.status(of: tag) == .new)
            results.append(
                try ns.create(.root, try EntryName(validating: "f\(i)"), type: .file, mode: 0o644, as: .root, now: t0, request: tag).1
                    .result)
        }
        #expect(try ns.status(of: RequestTag(session: s, request: RequestID(5))) == .done(result: results[4]))
        #expect(try ns.status(of: RequestTag(session: s, request: RequestID(3))) == .done(result: results[2]))
        #expect(try ns.status(of: RequestTag(session: s, request: RequestID(2))) == .expired)
        #expect(try ns.status(of: RequestTag(session: s, request: RequestID(6))) == .new)
        #expect(throws: FSError.badSession) { try ns.status(of: RequestTag(session: SessionID(9), request: RequestID(1))) }
    }

    /// A master that numbers a session's requests itself (the MooseFS dialect) starts above this
    /// after a failover: the highest id the session used, remembered or forgotten, survives a
    /// dump and a replay like the rest of the session.
    @Test func theHighestRequestASessionUsedIsKnownAfterADumpToo() throws {
        var ns = newNamespace(parameters: NamespaceParameters(requestMemory: 2))
        let (s, _) = try ns.openSession(info: [], now: t0)
        #expect(ns.highestRequest(of: s) == 0)
        for (n, id) in [7, 900, 41].enumerated() {
            let tag = RequestTag(session: s, request: RequestID(UInt64(id)))
            _ = try ns.create(.root, try EntryName(validating: "f\(n)"), type: .file, mode: 0o644, as: .root, now: t0, request: tag)
        }
        // 7 is forgotten (memory 2); 900 is still kept and is the highest.
        #expect(ns.highestRequest(of: s) == 900)
        let back = try MetadataFile.decode(MetadataFile.encode(ns))
        #expect(back.highestRequest(of: s) == 900)
        #expect(ns.highestRequest(of: SessionID(77)) == 0)
    }

    /// A create mfsmount sends again after a failover finds the node its first one made; any
    /// other create of an existing name is still EEXIST.
    @Test func aRetriedCreateFindsOnlyTheSessionsOwnRecentNode() throws {
        var ns = newNamespace()
        let (s, _) = try ns.openSession(info: [], now: t0)
        let (other, _) = try ns.openSession(info: [], now: t0)
        let name = try EntryName(validating: "f")
        let made = try ns.create(
            .root, name, type: .file, mode: 0o644, as: .root, now: t0, request: RequestTag(session: s, request: RequestID(1))
        ).0
        try ns.make(.root, try EntryName(validating: "g"))
        let soon = UnixTime(t0.rawValue + 5)
        func retried(_ n: String, _ type: NodeType = .file, by session: SessionID, at now: UnixTime) throws -> InodeID? {
            ns.retriedCreation(parent: .root, name: try EntryName(validating: n), type: type, session: session, now: now, window: 60)?
                .inode
        }
        #expect(try retried("f", by: s, at: soon) == made.inode)
        #expect(try retried("f", by: other, at: soon) == nil)
        #expect(try retried("f", .directory, by: s, at: soon) == nil)
        #expect(try retried("f", by: s, at: UnixTime(t0.rawValue + 61)) == nil)
        #expect(try retried("g", by: s, at: soon) == nil)
        #expect(try retried("h", by: s, at: soon) == nil)
    }

    @Test func sessionsLostLongerThanSustainAreDueForClosing() throws {
        var ns = newNamespace()
        let (a, _) = try ns.openSession(info: Array("a".utf8), now: t0)
        let (b, _) = try ns.openSession(info: Array("b".utf8), now: t0)
        _ = try ns.sessionLost(a, now: t0)
        _ = try ns.sessionLost(b, now: UnixTime(t0.rawValue + 50))
        #expect(ns.sessionsToClose(now: UnixTime(t0.rawValue + 60), sustainSeconds: 60) == [a])
        _ = try ns.sessionBack(b, now: UnixTime(t0.rawValue + 70))
        #expect(ns.sessionsToClose(now: UnixTime(t0.rawValue + 200), sustainSeconds: 60) == [a])
        #expect(throws: FSError.nameTooLong) { try ns.openSession(info: [UInt8](repeating: 1, count: 1_025), now: t0) }
    }

    @Test func epochAndMetaIDChanges() throws {
        var ns = Namespace()
        #expect(ns.metaID == .unknown)
        _ = try ns.setMetaID(MetaID(7), now: t0)
        #expect(throws: FSError.invalidArgument) { try ns.setMetaID(MetaID(8), now: t0) }
        let record = try ns.beginEpoch(now: t0)
        #expect(ns.epoch == Epoch(1) && ns.epochStartVersion == record.version)
        #expect(try ns.attributes(of: .root).mtime == t0)
    }
}

/// `Namespace.retriedRemoval`: what a session's own remove took, known to a follower that
/// replayed it, within the window, while the name stays free.
@Suite struct RetriedRemovalTests {
    @Test func aFollowerKnowsWhatASessionsOwnRemoveTookUntilTheNameIsTakenOrTheWindowPasses() throws {
        var active = newNamespace()
        var follower = active
        var records: [ChangelogRecord] = []
        let (s, opened) = try active.openSession(info: [], now: t0)
        records.append(opened)
        let (f, made) = try active.create(.root, "f", type: .file, mode: 0o644, as: .root, now: t0)
        records.append(made)
        let (g, other) = try active.create(.root, "g", type: .file, mode: 0o644, as: .root, now: t0)
        records.append(other)
        let tag = RequestTag(session: s, request: RequestID(1))
        records.append(try active.unlink(.root, "f", as: .root, now: t0, request: tag).1)
        // A remove without a request tag (a tool's) is not a session's own.
        records.append(try active.unlink(.root, "g", as: .root, now: t0).1)
        for record in records { try follower.apply(record) }
        for ns in [active, follower] {
            #expect(ns.retriedRemoval(parent: .root, name: "f", session: s, now: t0, window: 60) == f.inode)
            #expect(ns.retriedRemoval(parent: .root, name: "f", session: s, now: UnixTime(t0.rawValue + 61), window: 60) == nil)
            #expect(ns.retriedRemoval(parent: .root, name: "f", session: SessionID(s.rawValue + 1), now: t0, window: 60) == nil)
            #expect(ns.retriedRemoval(parent: .root, name: "g", session: s, now: t0, window: 60) == nil)
        }
        _ = g
        _ = try follower.create(.root, "f", type: .file, mode: 0o644, as: .root, now: t0)
        #expect(follower.retriedRemoval(parent: .root, name: "f", session: s, now: t0, window: 60) == nil, "the name was taken again")
    }
}
