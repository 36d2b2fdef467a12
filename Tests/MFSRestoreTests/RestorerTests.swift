import MFSChangelog
import MFSCore
import MFSMetadata
import MFSRestore
import Testing

@Suite struct RestorerTests {
    let history = History(seed: 5, changes: 3_000)

    @Test func overlappingMasterAndMetaloggerChangelogsMerge() throws {
        let master = try file("changelog.1.mfs", history.records[0..<2_000])
        let current = try file("changelog.0.mfs", history.records[2_000...])
        let metalogger = try file("changelog_ml.0.mfs", history.records[1_200..<2_600])
        let outcome = try Restorer.restore(Namespace(), changelogs: [metalogger, current, master])
        #expect(outcome.applied == history.records.count)
        #expect(MetadataFile.encode(outcome.namespace) == MetadataFile.encode(history.end))
        #expect(outcome.warnings.isEmpty)
    }

    @Test func gapIsAnErrorNamingTheMissingVersions() throws {
        let a = try file("a.mfs", history.records[0..<100])
        let b = try file("b.mfs", history.records[150...])
        #expect {
            try Restorer.restore(Namespace(), changelogs: [a, b])
        } throws: { error in
            guard case .gap(let from, let to, let next, let line) = error as? RestoreError else { return false }
            return from == MetaVersion(101) && to == MetaVersion(150) && next == "b.mfs" && line == 2
                && "\(error)".contains("changes 101…150 are missing")
        }
    }

    @Test func metadataAheadOfTheChangelogsIsAGapToo() throws {
        var ns = Namespace()
        for record in history.records[0..<10] { try ns.apply(record) }
        let late = try file("late.mfs", history.records[20..<30])
        #expect {
            try Restorer.restore(ns, changelogs: [late])
        } throws: { error in
            guard case .gap(let from, let to, let next, _) = error as? RestoreError else { return false }
            return from == MetaVersion(11) && to == MetaVersion(20) && next == "late.mfs"
        }
    }

    @Test func twoDifferentLinesWithOneVersionInOneEpochConflict() throws {
        var other = history.records[50]
        other.time = UnixTime(other.time.rawValue + 1)
        let a = try file("a.mfs", history.records[0..<100])
        let b = try file("b.mfs", Array(history.records[0..<50]) + [other])
        #expect {
            try Restorer.restore(Namespace(), changelogs: [a, b])
        } throws: { error in
            guard case .conflict(let version, _, _, let line, _, let otherLine) = error as? RestoreError else { return false }
            return version == history.records[50].version && line == 52 && otherLine == 52
        }
    }

    /// The old master wrote changes 1…N+5 in epoch 0; the new one took over after N+2 and wrote
    /// EPOCH(1) at N+3: the old epoch's changes from N+3 on are superseded.
    @Test func oldEpochTailIsSupersededByTheNewEpoch() throws {
        var old = Namespace()
        var records: [ChangelogRecord] = []
        for record in history.records[0..<500] { try old.apply(record); records.append(record) }
        var promoted = old
        var oldTail: [ChangelogRecord] = []
        for i in 0..<5 {
            oldTail.append(try old.create(.root, try EntryName(validating: "old\(i)"), type: .file, mode: 0o644, as: .root, now: t0).1)
        }
        for record in oldTail.prefix(2) { try promoted.apply(record) }
        var newTail = [try promoted.beginEpoch(now: t0)]
        for i in 0..<6 {
            newTail.append(try promoted.create(.root, try EntryName(validating: "new\(i)"), type: .file, mode: 0o600, as: .root, now: t0).1)
        }
        let oldFile = try file("changelog.0.mfs", records + oldTail)
        let newFile = try file("changelog_ml.0.mfs", Array(records[400...]) + oldTail.prefix(2) + newTail)
        for order in [[oldFile, newFile], [newFile, oldFile]] {
            let outcome = try Restorer.restore(Namespace(), changelogs: order)
            #expect(MetadataFile.encode(outcome.namespace) == MetadataFile.encode(promoted))
            #expect(outcome.superseded == ["changelog.0.mfs": 3])
            #expect(outcome.namespace.epoch == promoted.epoch && promoted.epoch > old.epoch)
            #expect(outcome.warnings.contains { $0.contains("3 changes of an older epoch were superseded") })
        }
    }

    /// A failover at change 504: the old active (epoch 1) made 502…509, the new one (epoch 2)
    /// took 502 and 503 from it, began its epoch at 504 and made 505…510.
    struct Failover {
        var base: Namespace
        var records: [ChangelogRecord] = []
        var old: Namespace
        var oldTail: [ChangelogRecord] = []
        var promoted: Namespace
        var newTail: [ChangelogRecord] = []

        init(_ history: History) throws {
            base = Namespace()
            for record in history.records[0..<500] { try base.apply(record) }
            records = Array(history.records[0..<500])
            var started = base
            records.append(try started.beginEpoch(now: t0))
            old = started
            for i in 0..<8 {
                oldTail.append(try old.create(.root, try EntryName(validating: "old\(i)"), type: .file, mode: 0o644, as: .root, now: t0).1)
            }
            promoted = started
            for record in oldTail.prefix(2) { try promoted.apply(record) }
            newTail = [try promoted.beginEpoch(now: t0)]
            for i in 0..<6 {
                newTail.append(
                    try promoted.create(.root, try EntryName(validating: "new\(i)"), type: .file, mode: 0o600, as: .root, now: t0).1)
            }
        }

        /// The old active's state after `count` of its own changes.
        func old(after count: Int) throws -> Namespace {
            var ns = base
            for record in records[500...] + oldTail.prefix(count) { try ns.apply(record) }
            return ns
        }

        /// The new active's state after `count` changes of its epoch (its `EPOCH` line first).
        func promoted(after count: Int) throws -> Namespace {
            var ns = base
            for record in records[500...] + oldTail.prefix(2) + newTail.prefix(count) { try ns.apply(record) }
            return ns
        }

        var newFile: [ChangelogRecord] { Array(records[400...]) + oldTail.prefix(2) + newTail }
        var oldFile: [ChangelogRecord] { records + oldTail }
    }

    /// Metadata the old active dumped after the failover point (its changes 504…506, never
    /// acknowledged) under the new active's changelog: refused, naming the EPOCH line, instead
    /// of the new epoch's changes applied on top of the old one's.
    @Test func metadataHoldingSupersededChangesIsRefused() throws {
        let f = try Failover(history)
        let metadata = try f.old(after: 5)
        #expect {
            try Restorer.restore(metadata, changelogs: [try file("changelog_ml.0.mfs", f.newFile)])
        } throws: { error in
            guard case .supersededMetadata(let epoch, let version, let name, _, let newer, let from) = error as? RestoreError else {
                return false
            }
            return epoch == metadata.epoch && version == metadata.version && name == "changelog_ml.0.mfs" && newer == f.promoted.epoch
                && from == MetaVersion(504)
        }
        // The new active's own metadata at the same version restores.
        let outcome = try Restorer.restore(try f.promoted(after: 2), changelogs: [try file("changelog_ml.0.mfs", f.newFile)])
        #expect(MetadataFile.encode(outcome.namespace) == MetadataFile.encode(f.promoted))
    }

    /// The new active's metadata (epoch 2, at 506) and only the old active's changelog, which
    /// runs on to 509 in epoch 1: those three changes are a superseded tail, not applied.
    @Test func anOlderEpochsTailPastTheMetadataIsSupersededWithNoNewerFile() throws {
        let f = try Failover(history)
        let metadata = try f.promoted(after: 3)
        #expect(metadata.version == MetaVersion(506))
        let outcome = try Restorer.restore(metadata, changelogs: [try file("changelog.0.mfs", f.oldFile)])
        #expect(outcome.namespace.version == MetaVersion(506) && outcome.applied == 0)
        #expect(outcome.superseded == ["changelog.0.mfs": 3])
        #expect(MetadataFile.encode(outcome.namespace) == MetadataFile.encode(metadata))
    }

    @Test func changelogOfAnotherClusterIsRefused() throws {
        let mine = try file("mine.mfs", history.records[0..<10])
        let theirs = try file("theirs.mfs", history.records[10..<20], metaID: MetaID(42))
        #expect {
            try Restorer.restore(Namespace(), changelogs: [mine, theirs])
        } throws: { error in
            guard case .otherCluster(let name, _, let found) = error as? RestoreError else { return false }
            return name == "theirs.mfs" && found == MetaID(42)
        }
    }

    @Test func checksumThatDoesNotMatchIsAnError() throws {
        var records = Array(history.records[0..<400])
        let index = try #require(records.firstIndex { if case .checksum = $0.change { return true } else { return false } })
        records[index].change = .checksum(12345)
        #expect {
            try Restorer.restore(Namespace(), changelogs: [try file("c.mfs", records)])
        } throws: { error in
            guard case .replay(let name, let line, .checksumMismatch(let version, 12345, _)) = error as? RestoreError else { return false }
            return name == "c.mfs" && line == index + 2 && version == records[index].version
        }
    }

    @Test func tornLastLineIsWarnedAndDropped() throws {
        var bytes = changelogBytes(history.records[0..<100])
        let torn = ChangelogCodec.format(history.records[100])
        bytes += torn.prefix(torn.count / 2)
        let outcome = try Restorer.restore(Namespace(), changelogs: [try ChangelogFile(name: "t.mfs", bytes: bytes)])
        #expect(outcome.applied == 100)
        #expect(outcome.warnings.contains { $0.contains("t.mfs: the last line is incomplete") })
    }

    @Test func unknownOperationNamesFileAndLine() throws {
        var bytes = changelogBytes(history.records[0..<10])
        bytes += Array("11: 1795315206|FROBNICATE(1,2)\n".utf8)
        #expect {
            try Restorer.restore(Namespace(), changelogs: [try ChangelogFile(name: "u.mfs", bytes: bytes)])
        } throws: { error in
            guard case .unparsable("u.mfs", 12, .unknownOperation(let op)) = error as? RestoreError else { return false }
            return op.contains("FROBNICATE")
        }
    }

    @Test func noChangelogAtAllLeavesTheMetadataAsItIs() throws {
        let outcome = try Restorer.restore(history.end, changelogs: [])
        #expect(outcome.applied == 0 && outcome.fromVersion == history.end.version)
    }

    @Test func emptyFileAndMissingHeaderAreHandled() throws {
        let outcome = try Restorer.restore(Namespace(), changelogs: [try ChangelogFile(name: "e.mfs", bytes: [])])
        #expect(outcome.applied == 0 && outcome.warnings == ["e.mfs: empty file: passed over"])
        #expect(throws: RestoreError.self) { try ChangelogFile(name: "h.mfs", bytes: Array("1: 2|IDLE()\n".utf8)) }
    }

    /// `VOTERS` is replayed like any change: the restored metadata holds the set, its version,
    /// and a checksum that covers them; a set the namespace refuses stops the restore.
    @Test func votersChangesAreRestored() throws {
        var ns = Namespace()
        var records = Array(history.records[0..<300])
        for record in records { try ns.apply(record) }
        let set = VoterSet(
            syncReplicas: 1, leader: MemberID(0xAA),
            members: [MemberID(0xAA): .master, MemberID(0xBB): .master, MemberID(0xCC): .metalogger])
        records.append(try ns.setVoters(set, now: t0))
        records.append(try ns.recordChecksum(now: t0))
        let bytes = changelogBytes(records)
        #expect(
            String(decoding: bytes, as: UTF8.self).contains(
                "|VOTERS(1,00000000000000aa,00000000000000aa:m.00000000000000bb:m.00000000000000cc:l)\n"))
        let outcome = try Restorer.restore(Namespace(), changelogs: [try ChangelogFile(name: "v.mfs", bytes: bytes)])
        #expect(outcome.namespace.voters == set && outcome.namespace.votersVersion == records[300].version)
        #expect(MetadataFile.encode(outcome.namespace) == MetadataFile.encode(ns))

        var refused = records[300]
        refused.change = .voters(VoterSet(syncReplicas: 1, leader: MemberID(0xCC), members: set.members))
        #expect {
            try Restorer.restore(Namespace(), changelogs: [try file("w.mfs", Array(records[0..<300]) + [refused])])
        } throws: { error in
            guard case .replay("w.mfs", 302, .operationFailed(let version, .invalidArgument)) = error as? RestoreError else { return false }
            return version == refused.version
        }
    }

    /// The chunkserver list is replayed like any change; a removal of a chunkserver that is not
    /// there stops the restore.
    @Test func chunkserverChangesAreRestored() throws {
        var ns = Namespace()
        var records = Array(history.records[0..<300])
        for record in records { try ns.apply(record) }
        let address = ChunkserverAddress(169, 254, 0, 2, port: 9422)
        records.append(try ns.setChunkserver(ChunkserverID(1), at: address, now: t0))
        records.append(try ns.setChunkserver(ChunkserverID(2), at: ChunkserverAddress(169, 254, 0, 3, port: 9422), now: t0))
        records.append(try ns.removeChunkserver(ChunkserverID(2), now: t0))
        records.append(try ns.recordChecksum(now: t0))
        let bytes = changelogBytes(records)
        #expect(String(decoding: bytes, as: UTF8.self).contains("|CHUNKSERVER(1,2851995650,9422)\n"))
        let outcome = try Restorer.restore(Namespace(), changelogs: [try ChangelogFile(name: "c.mfs", bytes: bytes)])
        #expect(outcome.namespace.chunkservers == [ChunkserverID(1): address])
        #expect(MetadataFile.encode(outcome.namespace) == MetadataFile.encode(ns))

        var refused = records[302]
        refused.change = .chunkserverRemoved(ChunkserverID(9))
        #expect {
            try Restorer.restore(Namespace(), changelogs: [try file("d.mfs", Array(records[0..<302]) + [refused])])
        } throws: { error in
            guard case .replay("d.mfs", 304, .operationFailed(let version, .noEntry)) = error as? RestoreError else { return false }
            return version == refused.version
        }
    }

    @Test func replayMismatchNamesFileAndLine() throws {
        var records = Array(history.records[0..<50])
        let index = try #require(records.firstIndex { $0.result != nil && $0.version.rawValue > 5 })
        records[index].result = 999_999
        #expect {
            try Restorer.restore(Namespace(), changelogs: [try file("r.mfs", records)])
        } throws: { error in
            guard case .replay("r.mfs", let line, .resultMismatch) = error as? RestoreError else { return false }
            return line == index + 2
        }
    }
}
