import MFSChangelog
import MFSCore
import Testing

@testable import MFSMetadata

/// One test per POSIX permission rule.
@Suite struct PermissionTests {
    /// A namespace with /home (0777) and /home/alice (0750, alice:1000) holding file `f` (0640).
    func tree() throws -> (Namespace, InodeID, InodeID) {
        var ns = newNamespace()
        let home = try ns.make(.root, "home", .directory, mode: 0o777)
        let dir = try ns.make(home, "alice", .directory, mode: 0o750, as: alice)
        let f = try ns.make(dir, "f", mode: 0o640, as: alice)
        return (ns, dir, f)
    }

    @Test func ownerBitsApplyToTheOwner() throws {
        let (ns, _, f) = try tree()
        try ns.access(f, [.read, .write], as: alice)
        #expect(throws: FSError.accessDenied) { try ns.access(f, .execute, as: alice) }
    }

    @Test func groupBitsApplyToPrimaryAndSupplementaryGroupMembers() throws {
        let (ns, _, f) = try tree()
        try ns.access(f, .read, as: Credentials(uid: 5, gid: 1000))
        try ns.access(f, .read, as: carol)
        #expect(throws: FSError.accessDenied) { try ns.access(f, .write, as: carol) }
    }

    /// MooseFS's `ignoregid`: no group check; the group's and the others' bits together for
    /// anyone but the owner, whatever their groups.
    @Test func ignoringGroupsGivesNonOwnersTheGroupAndOtherBits() throws {
        let (ns, _, f) = try tree()
        var stranger = bob
        stranger.ignoresGroups = true
        try ns.access(f, .read, as: stranger)
        #expect(throws: FSError.accessDenied) { try ns.access(f, .write, as: stranger) }
        var member = carol
        member.ignoresGroups = true
        #expect(throws: FSError.accessDenied) { try ns.access(f, .write, as: member) }
        var owner = alice
        owner.ignoresGroups = true
        try ns.access(f, [.read, .write], as: owner)
    }

    @Test func ignoringGroupsLetsAnOwnerGiveAFileToAnyGroup() throws {
        let (start, _, f) = try tree()
        var ns = start
        #expect(throws: FSError.notPermitted) { _ = try ns.setAttributes(f, AttributeChanges(gid: 4242), as: alice, now: t0) }
        var owner = alice
        owner.ignoresGroups = true
        _ = try ns.setAttributes(f, AttributeChanges(gid: 4242), as: owner, now: t0)
        #expect(try ns.attributes(of: f).gid == 4242)
    }

    @Test func otherBitsApplyToEveryoneElse() throws {
        let (ns, _, f) = try tree()
        #expect(throws: FSError.accessDenied) { try ns.access(f, .read, as: bob) }
    }

    @Test func ownerBitsWinEvenWhenGroupOrOtherWouldAllow() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f", mode: 0o077)
        _ = try ns.setAttributes(f, AttributeChanges(uid: 1000), as: .root, now: t0)
        #expect(throws: FSError.accessDenied) { try ns.access(f, .read, as: alice) }
    }

    @Test func rootReadsAndWritesAnythingButExecutesOnlyWithAnExecuteBit() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f", mode: 0o000)
        try ns.access(f, [.read, .write], as: .root)
        #expect(throws: FSError.accessDenied) { try ns.access(f, .execute, as: .root) }
        _ = try ns.setAttributes(f, AttributeChanges(mode: 0o010), as: .root, now: t0)
        try ns.access(f, .execute, as: .root)
        let d = try ns.make(.root, "d", .directory, mode: 0o000)
        try ns.access(d, .execute, as: .root)
    }

    @Test func lookupNeedsSearchPermission() throws {
        let (ns, dir, _) = try tree()
        #expect(throws: FSError.accessDenied) { try ns.lookup(dir, "f", as: bob) }
        _ = try ns.lookup(dir, "f", as: carol)
    }

    @Test func readdirNeedsReadPermission() throws {
        var (ns, dir, _) = try tree()
        #expect(throws: FSError.accessDenied) { try ns.readdir(dir, as: bob) }
        _ = try ns.setAttributes(dir, AttributeChanges(mode: 0o711), as: alice, now: t0)
        #expect(throws: FSError.accessDenied) { try ns.readdir(dir, as: bob) }
        _ = try ns.lookup(dir, "f", as: bob)
    }

    @Test func createAndRemoveNeedWriteAndSearchOnTheDirectory() throws {
        var (ns, dir, _) = try tree()
        #expect(throws: FSError.accessDenied) { try ns.make(dir, "g", as: carol) }
        #expect(throws: FSError.accessDenied) { try ns.unlink(dir, "f", as: carol, now: t0) }
        #expect(throws: FSError.accessDenied) { try ns.symlink(dir, "l", target: [0x61], as: bob, now: t0) }
        #expect(throws: FSError.accessDenied) { try ns.rename(dir, "f", to: dir, "g", as: carol, now: t0) }
        _ = try ns.unlink(dir, "f", as: alice, now: t0)
    }

    @Test func stickyDirectoryLetsOnlyOwnersRemove() throws {
        var ns = newNamespace()
        let tmp = try ns.make(.root, "tmp", .directory, mode: 0o1777)
        try ns.make(tmp, "a", as: alice)
        try ns.make(tmp, "b", as: bob)
        #expect(throws: FSError.notPermitted) { try ns.unlink(tmp, "a", as: bob, now: t0) }
        #expect(throws: FSError.notPermitted) { try ns.rename(tmp, "a", to: tmp, "c", as: bob, now: t0) }
        #expect(throws: FSError.notPermitted) { try ns.rename(tmp, "b", to: tmp, "a", as: bob, now: t0) }
        _ = try ns.unlink(tmp, "a", as: alice, now: t0)
        _ = try ns.unlink(tmp, "b", as: .root, now: t0)
    }

    @Test func movingADirectoryToAnotherParentNeedsWriteOnIt() throws {
        var ns = newNamespace()
        let a = try ns.make(.root, "a", .directory, mode: 0o777)
        let b = try ns.make(.root, "b", .directory, mode: 0o777)
        try ns.make(a, "d", .directory, mode: 0o555, as: alice)
        #expect(throws: FSError.accessDenied) { try ns.rename(a, "d", to: b, "d", as: alice, now: t0) }
        _ = try ns.rename(a, "d", to: a, "e", as: alice, now: t0)
    }

    @Test func chmodOnlyByOwnerOrRoot() throws {
        let (start, _, f) = try tree()
        var ns = start
        #expect(throws: FSError.notPermitted) { try ns.setAttributes(f, AttributeChanges(mode: 0o777), as: carol, now: t0) }
        _ = try ns.setAttributes(f, AttributeChanges(mode: 0o600), as: alice, now: t0)
        _ = try ns.setAttributes(f, AttributeChanges(mode: 0o644), as: .root, now: t0)
    }

    @Test func chownOnlyByRoot() throws {
        let (start, _, f) = try tree()
        var ns = start
        #expect(throws: FSError.notPermitted) { try ns.setAttributes(f, AttributeChanges(uid: 1001), as: alice, now: t0) }
        _ = try ns.setAttributes(f, AttributeChanges(uid: 1000), as: alice, now: t0)  // unchanged: allowed
        _ = try ns.setAttributes(f, AttributeChanges(uid: 1001), as: .root, now: t0)
    }

    @Test func chgrpByOwnerOnlyToOwnGroups() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        _ = try ns.setAttributes(f, AttributeChanges(uid: 1002, gid: 1002), as: .root, now: t0)
        _ = try ns.setAttributes(f, AttributeChanges(gid: 1000), as: carol, now: t0)
        #expect(throws: FSError.notPermitted) { try ns.setAttributes(f, AttributeChanges(gid: 1001), as: carol, now: t0) }
        #expect(throws: FSError.notPermitted) { try ns.setAttributes(f, AttributeChanges(gid: 1001), as: alice, now: t0) }
    }

    @Test func chownClearsSetUIDAndGroupExecutableSetGID() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f", mode: 0o6755)
        let after = try ns.setAttributes(f, AttributeChanges(uid: 1000), as: .root, now: t0).0
        #expect(after.mode == 0o0755)
        let g = try ns.make(.root, "g", mode: 0o6745)
        #expect(try ns.setAttributes(g, AttributeChanges(gid: 5), as: .root, now: t0).0.mode == 0o2745)
    }

    @Test func chmodByNonMemberClearsSetGIDOnFiles() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        _ = try ns.setAttributes(f, AttributeChanges(uid: 1000, gid: 50), as: .root, now: t0)
        #expect(try ns.setAttributes(f, AttributeChanges(mode: 0o2755), as: alice, now: t0).0.mode == 0o0755)
    }

    @Test func utimesNowNeedsOwnershipOrWritePermission() throws {
        var (ns, _, f) = try tree()
        _ = try ns.setAttributes(f, AttributeChanges(mode: 0o660), as: alice, now: t0)
        _ = try ns.setAttributes(f, AttributeChanges(atime: .now, mtime: .now), as: carol, now: t0)
        #expect(throws: FSError.accessDenied) { try ns.setAttributes(f, AttributeChanges(mtime: .now), as: bob, now: t0) }
    }

    @Test func utimesExplicitNeedsOwnership() throws {
        var (ns, _, f) = try tree()
        _ = try ns.setAttributes(f, AttributeChanges(mode: 0o666), as: alice, now: t0)
        #expect(throws: FSError.notPermitted) { try ns.setAttributes(f, AttributeChanges(mtime: .set(UnixTime(1))), as: carol, now: t0) }
        _ = try ns.setAttributes(f, AttributeChanges(mtime: .set(UnixTime(1))), as: alice, now: t0)
    }

    @Test func truncateNeedsWritePermission() throws {
        var (ns, _, f) = try tree()
        #expect(throws: FSError.accessDenied) { try ns.setLength(f, 0, as: carol, now: t0) }
        _ = try ns.setLength(f, 0, as: carol, checkPermission: false, now: t0)
        _ = try ns.setLength(f, 10, as: alice, now: t0)
    }

    @Test func setGoalOnlyByOwnerOrRoot() throws {
        let (start, _, f) = try tree()
        var ns = start
        #expect(throws: FSError.notPermitted) { try ns.setGoal(f, 3, as: carol, now: t0) }
        _ = try ns.setGoal(f, 3, as: alice, now: t0)
    }
}
