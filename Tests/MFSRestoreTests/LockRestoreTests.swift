import MFSChangelog
import MFSCore
import MFSMetadata
import MFSRestore
import Testing

/// Granted locks are metadata (MooseFS 3.0's `FLOCK`/`POSIXLOCK` lines): a restore replays
/// them, a session's end and a file's release take them away in replay too, and a line that
/// does not parse or does not replay stops the restore naming its file and line.
@Suite struct LockRestoreTests {
    let metaID = MetaID(0xABCD_0000_0000_0001)

    /// SETMETAID, two sessions, a file `f` opened by both; returns the records and the file.
    private func start(_ ns: inout Namespace) throws -> ([ChangelogRecord], InodeID) {
        var records = [try ns.setMetaID(metaID, now: t0)]
        records.append(try ns.openSession(info: [], now: t0).1)
        records.append(try ns.openSession(info: [], now: t0).1)
        let (made, create) = try ns.create(.root, try EntryName(validating: Array("f".utf8)), type: .file, mode: 0o644, as: .root, now: t0)
        records.append(create)
        records.append(try ns.acquire(made.inode, session: SessionID(1), now: t0))
        records.append(try ns.acquire(made.inode, session: SessionID(2), now: t0))
        return (records, made.inode)
    }

    private func owner(_ session: UInt32, _ owner: UInt64 = 7) -> LockOwner { LockOwner(session: SessionID(session), owner: owner) }

    @Test func grantedLocksAreWrittenInMooseFSsFormAndRestored() throws {
        var ns = Namespace()
        var (records, f) = try start(&ns)
        records.append(try ns.flock(f, owner: owner(1), .write, now: t0))
        records.append(try ns.posixLock(f, owner: owner(1), .write, start: 0, end: 10, pid: 321, now: t0))
        records.append(try ns.posixLock(f, owner: owner(2), .read, start: 10, end: 20, pid: 654, now: t0))
        let text = String(decoding: changelogBytes(records, metaID: metaID), as: UTF8.self)
        #expect(text.contains("|FLOCK(\(f),1,7,W)\n"))
        #expect(text.contains("|POSIXLOCK(\(f),1,7,W,0,10,321)\n"))
        let outcome = try Restorer.restore(Namespace(), changelogs: [try file("l.mfs", records, metaID: metaID)])
        #expect(outcome.namespace.flockHolders(of: f) == [owner(1): .exclusive])
        #expect(outcome.namespace.posixLocks(of: f).count == 2)
        // The dump holds them (FLCK, PLCK) and loads back equal.
        let bytes = MetadataFile.encode(outcome.namespace)
        #expect(MetadataFile.encode(ns) == bytes)
        let loaded = try MetadataFile.decode(bytes)
        #expect(loaded.flockHolders(of: f) == [owner(1): .exclusive] && loaded.posixLocks(of: f) == ns.posixLocks(of: f))
        #expect(String(decoding: bytes, as: UTF8.self).contains("FLCK") && String(decoding: bytes, as: UTF8.self).contains("PLCK"))
    }

    @Test func aReleaseAndASessionCloseEndTheirLocksInReplay() throws {
        var ns = Namespace()
        var (records, f) = try start(&ns)
        records.append(try ns.flock(f, owner: owner(1), .read, now: t0))
        records.append(try ns.flock(f, owner: owner(2), .read, now: t0))
        records.append(try ns.posixLock(f, owner: owner(2), .write, start: 0, end: 5, pid: 1, now: t0))
        records.append(try ns.release(f, session: SessionID(1), now: t0))
        records.append(try ns.closeSession(SessionID(2), now: t0))
        let outcome = try Restorer.restore(Namespace(), changelogs: [try file("e.mfs", records, metaID: metaID)])
        #expect(outcome.namespace.flockHolders(of: f).isEmpty && outcome.namespace.posixLocks(of: f).isEmpty)
        #expect(!String(decoding: MetadataFile.encode(outcome.namespace), as: UTF8.self).contains("FLCK"))
    }

    @Test func malformedLockLinesAreRefusedNamingFileAndLine() throws {
        var ns = Namespace()
        let (records, f) = try start(&ns)
        let bad: [(String, (ChangelogParseError) -> Bool)] = [
            ("FLOCK(\(f),1,7,X)", { if case .badArgument(.flock, 4, .badLockKind) = $0 { true } else { false } }),
            ("FLOCK(\(f),1,7)", { if case .wrongArgumentCount(.flock, 4, 3) = $0 { true } else { false } }),
            ("FLOCK(\(f),1,-7,W)", { if case .badArgument(.flock, 3, .notDecimal) = $0 { true } else { false } }),
            ("POSIXLOCK(\(f),1,7,W,0,10)", { if case .wrongArgumentCount(.posixLock, 7, 6) = $0 { true } else { false } }),
            ("POSIXLOCK(\(f),1,7,RW,0,10,1)", { if case .badArgument(.posixLock, 4, .badLockKind) = $0 { true } else { false } }),
            ("POSIXLOCK(\(f),1,7,W,0,10,1):3", { if case .unexpectedResult(.posixLock) = $0 { true } else { false } }),
        ]
        for (line, expected) in bad {
            var bytes = changelogBytes(records, metaID: metaID)
            bytes += Array("\(records.count + 1): \(t0.rawValue)|\(line)\n".utf8)
            #expect("\(line)") {
                try Restorer.restore(Namespace(), changelogs: [try ChangelogFile(name: "m.mfs", bytes: bytes)])
            } throws: { error in
                guard case .unparsable("m.mfs", let at, let problem) = error as? RestoreError else { return false }
                return at == records.count + 2 && expected(problem)
            }
        }
    }

    @Test func lockLinesThatDoNotReplayAreRefusedNamingFileAndLine() throws {
        var ns = Namespace()
        var (records, f) = try start(&ns)
        records.append(try ns.flock(f, owner: owner(1), .write, now: t0))
        records.append(try ns.posixLock(f, owner: owner(1), .read, start: 0, end: 10, pid: 1, now: t0))
        let next = MetaVersion(records.last!.version.rawValue + 1)
        let refused: [(Change, FSError)] = [
            // A second exclusive holder: two clients would hold one lock.
            (.flock(inode: f, session: SessionID(2), owner: 7, .write), .notPermitted),
            (.flock(inode: f, session: SessionID(2), owner: 7, .unlock), .noEntry),
            (.flock(inode: f, session: SessionID(9), owner: 7, .read), .badSession),
            (.posixLock(inode: f, session: SessionID(2), owner: 7, .write, start: 5, end: 6, pid: 2), .notPermitted),
            (.posixLock(inode: f, session: SessionID(2), owner: 7, .read, start: 6, end: 5, pid: 2), .invalidArgument),
            (.posixLock(inode: InodeID(999), session: SessionID(2), owner: 7, .read, start: 0, end: 5, pid: 2), .noEntry),
        ]
        for (change, error) in refused {
            let line = ChangelogRecord(version: next, time: t0, change: change)
            #expect("\(change)") {
                try Restorer.restore(Namespace(), changelogs: [try file("r.mfs", records + [line], metaID: metaID)])
            } throws: { thrown in
                guard case .replay("r.mfs", let at, .operationFailed(let version, let failed)) = thrown as? RestoreError else {
                    return false
                }
                return at == records.count + 2 && version == next && failed == error
            }
        }
    }
}
