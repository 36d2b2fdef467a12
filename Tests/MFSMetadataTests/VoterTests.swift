import MFSChangelog
import MFSCore
import MFSTestSupport
import Testing

@testable import MFSMetadata

/// Three voters: masters aa (the leader) and bb, metalogger cc.
private let threeVoters = VoterSet(
    syncReplicas: 1, leader: MemberID(0xAA), members: [MemberID(0xAA): .master, MemberID(0xBB): .master, MemberID(0xCC): .metalogger])

/// `count` masters 1…count, master 1 leading.
private func masters(_ count: Int) -> VoterSet {
    VoterSet(
        syncReplicas: 1, leader: MemberID(1),
        members: Dictionary(uniqueKeysWithValues: (1...UInt64(count)).map { (MemberID($0), MemberKind.master) }))
}

@Suite struct VoterTests {
    @Test func aNewNamespaceHasNoVoters() {
        let ns = newNamespace()
        #expect(ns.voters == .empty && ns.votersVersion == .zero)
    }

    @Test func setVotersRecordsTheChangeAndItsVersion() throws {
        var ns = newNamespace()
        let record = try ns.setVoters(threeVoters, now: t0)
        #expect(record.change == .voters(threeVoters) && record.result == nil && record.request == nil)
        #expect(ns.voters == threeVoters && ns.votersVersion == record.version && ns.version == record.version)
        #expect(
            ChangelogCodec.text(of: record)
                == "2: 1795315206|VOTERS(1,00000000000000aa,00000000000000aa:m.00000000000000bb:m.00000000000000cc:l)")
        let second = try ns.setVoters(.empty, now: t0)
        #expect(ns.voters == .empty && ns.votersVersion == second.version)
    }

    @Test func replayAppliesVotersThroughTheSamePath() throws {
        var live = newNamespace()
        var replica = live
        var records = [try live.setVoters(threeVoters, now: t0)]
        records.append(try live.create(.root, "a", type: .file, mode: 0o644, as: .root, now: t0).1)
        records.append(try live.recordChecksum(now: t0))
        records.append(try live.setVoters(masters(2), now: t0))
        records.append(try live.recordChecksum(now: t0))
        for record in records { try replica.apply(try throughChangelogText(record)) }
        #expect(firstDifference(replica, live) == nil)
        #expect(replica.voters == masters(2) && replica.votersVersion == records[3].version)
        #expect(MetadataFile.encode(replica) == MetadataFile.encode(live))
    }

    @Test(arguments: [
        ("leader is a metalogger", VoterSet(syncReplicas: 1, leader: MemberID(0xCC), members: threeVoters.members)),
        ("leader is not a member", VoterSet(syncReplicas: 1, leader: MemberID(0xDD), members: threeVoters.members)),
        ("member id 0", VoterSet(syncReplicas: 1, members: [MemberID.none: .master])),
        ("k below 0", VoterSet(syncReplicas: -1)),
        ("k past 255", VoterSet(syncReplicas: 256)),
        ("65 members", masters(65)),
    ])
    func invalidSetIsRefusedAndChangesNothing(_ why: String, _ set: VoterSet) throws {
        var ns = newNamespace()
        _ = try ns.setVoters(threeVoters, now: t0)
        let before = ns
        #expect(throws: FSError.invalidArgument, "\(why)") { try ns.setVoters(set, now: t0) }
        #expect(set.validationProblem != nil, "\(why)")
        #expect(firstDifference(ns, before) == nil, "\(why)")
    }

    @Test func limitsAreAcceptedAtTheirEdge() throws {
        var ns = newNamespace()
        _ = try ns.setVoters(masters(ChangelogLimits.maxVoters), now: t0)
        #expect(ns.voters.members.count == 64)
        _ = try ns.setVoters(VoterSet(syncReplicas: 255), now: t0)
        // A set without a leader is valid (before any master led with voters).
        _ = try ns.setVoters(VoterSet(syncReplicas: 1, members: [MemberID(7): .metalogger]), now: t0)
        #expect(masters(64).validationProblem == nil)
        #expect(masters(65).validationProblem == "65 members, more than the limit of 64")
        #expect(
            VoterSet(syncReplicas: 1, leader: MemberID(0xCC), members: threeVoters.members).validationProblem
                == "leader 00000000000000cc is a metalogger, not a master")
    }

    @Test func replayRefusesAVoterSetTheNamespaceWouldRefuse() throws {
        var ns = newNamespace()
        let line = "2: 1795315206|VOTERS(1,00000000000000cc,00000000000000aa:m.00000000000000cc:l)"
        let record = try ChangelogCodec.parse(line: line)
        #expect(throws: ReplayError.operationFailed(version: MetaVersion(2), error: .invalidArgument)) { try ns.apply(record) }
    }

    @Test func theChecksumCoversTheVoters() throws {
        var live = newNamespace()
        var diverged = live
        let before = live.checksum
        let record = try live.setVoters(threeVoters, now: t0)
        #expect(live.checksum != before)
        // Same version, another set: a replica that took it is caught by the next CHECKSUM.
        _ = try diverged.setVoters(masters(1), now: t0)
        let checksum = try live.recordChecksum(now: t0)
        guard case .checksum(let value) = checksum.change else { Issue.record("not a checksum"); return }
        #expect(throws: ReplayError.checksumMismatch(version: checksum.version, recorded: value, computed: diverged.checksum)) {
            try diverged.apply(checksum)
        }
        // Setting the same set again still changes the checksum: the version it was set at counts.
        var again = live
        _ = try again.setVoters(threeVoters, now: t0)
        #expect(again.checksum != live.checksum)
        #expect(record.version == MetaVersion(2))
    }
}
