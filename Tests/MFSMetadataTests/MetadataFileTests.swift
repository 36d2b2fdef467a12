import MFSChangelog
import MFSCore
import MFSTestSupport
import Testing

@testable import MFSMetadata

@Suite struct MetadataFileTests {
    func sample() -> Namespace {
        var ns = newNamespace()
        var workload = RandomWorkload(seed: 7)
        for _ in 0..<800 { _ = workload.step(&ns) }
        return ns
    }

    @Test func roundTripKeepsEveryField() throws {
        let ns = sample()
        let bytes = MetadataFile.encode(ns)
        let loaded = try MetadataFile.decode(bytes)
        #expect(firstDifference(ns, loaded) == nil)
        #expect(MetadataFile.encode(loaded) == bytes)
        let header = try MetadataFile.header(of: bytes)
        #expect(header.metaID == ns.metaID && header.version == ns.version && header.epoch == ns.epoch)
    }

    @Test func badMagicIsNotAMetadataFile() {
        #expect(throws: MetadataFileError.notMetadataFile) { try MetadataFile.decode(Array("hello world".utf8)) }
        #expect(throws: MetadataFileError.notMetadataFile) { try MetadataFile.decode([]) }
    }

    @Test func corruptHeaderIsDetected() {
        var bytes = MetadataFile.encode(sample())
        bytes[20] ^= 0x01
        #expect(throws: MetadataFileError.headerChecksumMismatch) { try MetadataFile.decode(bytes) }
    }

    /// A header whose version or epoch is past its maximum (2⁶²; the next would wrap much later,
    /// but nothing honest comes near) is refused with a valid CRC too, naming the fields.
    @Test func headerVersionsPastTheMaximumAreRefused() throws {
        let bytes = MetadataFile.encode(sample())
        for at in [20, 28] {  // version, epoch (after magic, format, reserved and the metaid)
            var patched = bytes
            let past = MetaVersion.maximum.rawValue + 1
            for k in 0..<8 { patched[at + k] = UInt8(truncatingIfNeeded: past >> (56 - 8 * UInt64(k))) }
            let crc = CRC32.checksum(patched[0..<(MetadataFile.headerLength - 4)])
            for k in 0..<4 { patched[MetadataFile.headerLength - 4 + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
            #expect {
                try MetadataFile.decode(patched)
            } throws: { error in
                guard case .malformed(let section, let reason) = error as? MetadataFileError else { return false }
                return section == "header" && reason.contains("\(past)") && reason.contains("out of range")
            }
        }
    }

    /// An epoch after 0 starts at its EPOCH line's version, which the metadata holds: a header
    /// whose epoch starts at 0 or past its version is refused with a valid CRC (a start of 0 made
    /// the peer plan of the next registering metalogger underflow).
    @Test func headerEpochStartsOutsideTheVersionsAreRefused() throws {
        let ns = sample()
        let bytes = MetadataFile.encode(ns)
        func patched(epoch: UInt64, start: UInt64) -> [UInt8] {
            var patched = bytes
            for (at, value) in [(28, epoch), (36, start)] {
                for k in 0..<8 { patched[at + k] = UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64(k))) }
            }
            let crc = CRC32.checksum(patched[0..<(MetadataFile.headerLength - 4)])
            for k in 0..<4 { patched[MetadataFile.headerLength - 4 + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
            return patched
        }
        for start in [0, ns.version.rawValue + 1] {
            #expect {
                try MetadataFile.header(of: patched(epoch: 5, start: start))
            } throws: { error in
                guard case .malformed(let section, let reason) = error as? MetadataFileError else { return false }
                return section == "header" && reason.contains("epoch 5 starts at version \(start)")
            }
        }
        #expect(try MetadataFile.header(of: patched(epoch: 5, start: ns.version.rawValue)).epochStartVersion == ns.version)
    }

    @Test func unsupportedFormatVersionIsNamed() {
        var bytes = MetadataFile.encode(sample())
        bytes[9] = 9
        #expect(throws: MetadataFileError.unsupportedFormatVersion(9)) { try MetadataFile.decode(bytes) }
    }

    /// Flips a byte inside each section's payload: the error names that section.
    @Test func corruptSectionIsNamed() throws {
        let ns = sample()
        let bytes = MetadataFile.encode(ns)
        var offset = MetadataFile.headerLength
        for section in MetadataFile.Section.allCases where section.isWritten(for: ns) {
            var payload = ByteWriter()
            section.encode(ns, into: &payload)
            if !payload.bytes.isEmpty {
                var corrupt = bytes
                corrupt[offset + MetadataFile.sectionHeaderLength + payload.bytes.count / 2] ^= 0x40
                #expect {
                    try MetadataFile.decode(corrupt)
                } throws: { error in
                    guard case .sectionChecksumMismatch(let name, _, _) = error as? MetadataFileError else { return false }
                    return name == section.rawValue
                }
            }
            offset += MetadataFile.sectionHeaderLength + payload.bytes.count
        }
    }

    @Test func truncatedFileIsReported() {
        let bytes = MetadataFile.encode(sample())
        for cut in [10, 47, 60, bytes.count / 2, bytes.count - 30, bytes.count - 1] {
            #expect(throws: MetadataFileError.self) { try MetadataFile.decode(Array(bytes.prefix(cut))) }
        }
        #expect(throws: MetadataFileError.missingEndMarker) { try MetadataFile.decode(Array(bytes.dropLast(24))) }
        #expect(throws: MetadataFileError.truncated(section: "header")) { try MetadataFile.decode(Array(bytes.prefix(20))) }
    }

    @Test func unknownRequiredSectionStopsTheLoadButSkippableOneIsPassedOver() throws {
        let ns = sample()
        let bytes = MetadataFile.encode(ns)
        let endHeader = bytes.count - MetadataFile.sectionHeaderLength
        let extra = Array("future data".utf8)
        let required = MetadataFile.sectionHeader("XATTRS", version: 1, payload: extra) + extra
        #expect(throws: MetadataFileError.unknownSection("XATTRS")) {
            try MetadataFile.decode(Array(bytes[..<endHeader]) + required + Array(bytes[endHeader...]))
        }
        let skippable = MetadataFile.sectionHeader("XATTRS", version: 1, flags: MetadataFile.skippableFlag, payload: extra) + extra
        let loaded = try MetadataFile.decode(Array(bytes[..<endHeader]) + skippable + Array(bytes[endHeader...]))
        #expect(firstDifference(loaded, ns) == nil)
    }

    @Test func trailingBytesAfterTheEndAreRefused() {
        #expect(throws: MetadataFileError.trailingBytes(3)) { try MetadataFile.decode(MetadataFile.encode(sample()) + [1, 2, 3]) }
    }

    @Test func newerSectionVersionIsNamed() {
        var bytes = MetadataFile.encode(sample())
        bytes[MetadataFile.headerLength + 9] = 2  // PARAMS version low byte
        #expect(throws: MetadataFileError.unsupportedSectionVersion(section: "PARAMS", version: 2, supported: 1)) {
            try MetadataFile.decode(bytes)
        }
    }

    /// Values no operation makes, in a file whose CRCs are right (a file written by a buggy or
    /// hostile master, or downloaded from one): each is refused at the load, naming the section,
    /// where it would have trapped later (a goal past 255 classes in GETSCLASS, a symlink target
    /// past what READLINK can send, a directory size the next dump cannot write, the root handed
    /// out again as a new inode, open counts that wrap).
    @Test func valuesNoOperationMakesAreRefusedAtTheLoad() throws {
        func refused(_ ns: Namespace, _ section: String, _ words: String) {
            #expect {
                try MetadataFile.decode(MetadataFile.encode(ns))
            } throws: { error in
                guard case .malformed(let name, let reason) = error as? MetadataFileError else { return false }
                return name == section && reason.contains(words)
            }
        }
        var base = newNamespace()
        let file = try base.make(.root, "f")
        let dir = try base.make(.root, "d", .directory, mode: 0o755)
        let link = try base.symlink(.root, "l", target: Array("f".utf8), as: .root, now: t0).0.inode

        var goal = base
        goal.inodes.modify(Int(file.rawValue)) { $0.goal = NamespaceLimits.maxGoal + 1 }
        refused(goal, "NODES", "goal 10")

        var target = base
        let long = [UInt8](repeating: 0x61, count: NamespaceLimits.maxSymlinkTargetLength + 1)
        target.inodes.modify(Int(link.rawValue)) { $0.payload = .target(long) }
        refused(target, "NODES", "target of 4097 bytes")

        var size = base
        size.inodes.modify(Int(dir.rawValue)) { $0.size = 5 }
        refused(size, "EDGES", "claim 5 entries")

        for (inode, why) in [(UInt32(1), "the root"), (file.rawValue, "a node has it"), (1_000_000, "not yet made")] {
            var free = base
            free.freedInodes.append(FreedInode(inode: inode, freedAt: 0))
            refused(free, "FREE", "inode \(inode) cannot be free")
            refused(free, "FREE", why)
        }
        var twice = base
        let gone = try twice.make(.root, "gone")
        _ = try twice.unlink(.root, "gone", as: .root, now: t0)
        twice.freedInodes.append(FreedInode(inode: gone.rawValue, freedAt: 0))
        refused(twice, "FREE", "repeated")

        // Link counts that the entries do not bear out: a later unlink or rmdir would take them
        // below zero (a trap, on the master and in every replay).
        var rootLinks = base
        rootLinks.inodes.modify(Int(InodeID.root.rawValue)) { $0.nlink = 1 }
        refused(rootLinks, "EDGES", "has 1 subdirectories, its link count says 1")
        var hardLinked = base
        _ = try hardLinked.link(file, into: .root, as: "f2", who: .root, now: t0)
        hardLinked.inodes.modify(Int(file.rawValue)) { $0.nlink = 1 }
        refused(hardLinked, "EDGES", "listed")
        var threeLinks = base
        _ = try threeLinks.link(file, into: .root, as: "f2", who: .root, now: t0)
        threeLinks.inodes.modify(Int(file.rawValue)) { $0.nlink = 3 }
        refused(threeLinks, "EDGES", "inode \(file.rawValue) is listed 2 times, its link count says 3")

        var opens = base
        for _ in 0..<2 { _ = try opens.openSession(info: [], now: t0) }
        for id in [SessionID(1), SessionID(2)] { opens.sessions[id]!.open[file.rawValue] = 0x8000_0000 }
        refused(opens, "SESSIONS", "open 2147483648 times")
    }

    @Test func inconsistentContentWithAValidCRCIsCaughtByTheChecksum() throws {
        var ns = sample()
        // Damage the namespace behind the checksum's back, then write it: CRCs are right, content is not.
        let victim = ns.allInodes().last!
        ns.inodes.modify(Int(victim.rawValue)) { $0.mode ^= 0o1 }
        #expect {
            try MetadataFile.decode(MetadataFile.encode(ns))
        } throws: { error in
            if case .namespaceChecksumMismatch = error as? MetadataFileError { return true }
            return false
        }
    }
}

/// The lock sections: what they hold must make sense once every section is in.
@Suite struct LockSectionTests {
    private func namespaceWithAFile() throws -> (Namespace, InodeID) {
        var ns = newNamespace()
        _ = try ns.openSession(info: [], now: t0)
        let file = try ns.make(.root, "f")
        return (ns, file)
    }

    @Test func conflictingPosixLocksAreRefusedNamingTheSection() throws {
        var (ns, f) = try namespaceWithAFile()
        let one = LockOwner(session: SessionID(1), owner: 1)
        let other = LockOwner(session: SessionID(1), owner: 2)
        ns.locks.setPosix(
            [
                PosixLock(owner: one, pid: 1, exclusive: true, start: 0, end: 10),
                PosixLock(owner: other, pid: 2, exclusive: false, start: 5, end: 15),
            ], on: f)
        #expect(throws: MetadataFileError.self) { try MetadataFile.decode(MetadataFile.encode(ns)) }
        do {
            _ = try MetadataFile.decode(MetadataFile.encode(ns))
        } catch {
            guard case .malformed("PLCK", let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("overlaps"))
        }
    }

    @Test func aFlockOfASessionThatIsNotOpenIsRefused() throws {
        var (ns, f) = try namespaceWithAFile()
        ns.locks.flocks[f] = [LockOwner(session: SessionID(9), owner: 1): .exclusive]
        do {
            _ = try MetadataFile.decode(MetadataFile.encode(ns))
            Issue.record("a lock of a closed session loaded")
        } catch {
            guard case .malformed("FLCK", let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("session 9"))
        }
    }

    @Test func twoExclusiveFlockHoldersAreRefused() throws {
        var (ns, f) = try namespaceWithAFile()
        _ = try ns.openSession(info: [], now: t0)
        ns.locks.flocks[f] = [
            LockOwner(session: SessionID(1), owner: 1): .exclusive, LockOwner(session: SessionID(2), owner: 1): .exclusive,
        ]
        do {
            _ = try MetadataFile.decode(MetadataFile.encode(ns))
            Issue.record("two exclusive holders loaded")
        } catch {
            guard case .malformed("FLCK", let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("conflicts"))
        }
    }

    @Test func aFileWithoutLocksHasNoLockSections() throws {
        let (ns, _) = try namespaceWithAFile()
        let text = String(decoding: MetadataFile.encode(ns), as: UTF8.self)
        #expect(!text.contains("FLCK") && !text.contains("PLCK"))
    }
}
