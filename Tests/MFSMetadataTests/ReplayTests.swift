import MFSChangelog
import MFSCore
import MFSTestSupport
import Testing

@testable import MFSMetadata

/// How records travel between live and replay: set to the text codec's round trip, so the
/// property covers formatting and parsing too.
func throughChangelogText(_ record: ChangelogRecord) throws -> ChangelogRecord {
    try ChangelogCodec.parse(ChangelogCodec.format(record).dropLast())
}

@Suite struct ReplayTests {
    /// The replay property: seeded random operations applied live → dump A; the changelog
    /// replayed onto the starting file → dump B; A and B byte-identical, and A loaded back equal
    /// to the live namespace field by field.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func replayedChangelogGivesByteIdenticalMetadata(seed: UInt64) throws {
        var live = newNamespace(parameters: NamespaceParameters(inodeReuseDelaySeconds: 100_000, requestMemory: 16))
        let start = MetadataFile.encode(live)
        var workload = RandomWorkload(seed: seed)
        var records: [ChangelogRecord] = []
        while records.count < 12_000 { records += workload.step(&live) }
        let dumpA = MetadataFile.encode(live)

        var replayed = try MetadataFile.decode(start)
        for record in records {
            do {
                try replayed.apply(try throughChangelogText(record))
            } catch {
                Issue.record("seed \(seed): replay of \(record) failed: \(error)")
                return
            }
        }
        let dumpB = MetadataFile.encode(replayed)
        #expect(dumpA == dumpB, "seed \(seed): dumps differ")
        let loaded = try MetadataFile.decode(dumpA)
        #expect(firstDifference(loaded, live) == nil, "seed \(seed): \(firstDifference(loaded, live) ?? "")")
        #expect(firstDifference(replayed, live) == nil, "seed \(seed)")
        #expect(live.inodeCount > 100, "seed \(seed): workload too small to mean anything")
        #expect(records.contains { if case .voters = $0.change { true } else { false } }, "seed \(seed): no VOTERS change")
    }

    @Test func replayRefusesAGap() throws {
        var live = newNamespace()
        let start = live
        _ = try live.make(.root, "a")
        let second = try live.create(.root, "b", type: .file, mode: 0o644, as: .root, now: t0).1
        var replay = start
        #expect(throws: ReplayError.versionGap(expected: MetaVersion(2), found: MetaVersion(3))) { try replay.apply(second) }
    }

    @Test func replayDetectsAResultThatDiffers() throws {
        var live = newNamespace()
        let start = live
        var record = try live.create(.root, "a", type: .file, mode: 0o644, as: .root, now: t0).1
        record.result = 99
        var replay = start
        #expect(throws: ReplayError.resultMismatch(version: record.version, recorded: 99, computed: 2)) { try replay.apply(record) }
    }

    @Test func replayDetectsAFailingOperation() throws {
        var live = newNamespace()
        var replay = live
        _ = try replay.make(.root, "a")  // the replica already has it: it has diverged
        let record = try live.create(.root, "a", type: .file, mode: 0o644, as: .root, now: t0).1
        var r = record
        r.version = replay.version.next
        #expect(throws: ReplayError.operationFailed(version: r.version, error: .exists)) { try replay.apply(r) }
    }

    @Test func checksumChangeDetectsDivergence() throws {
        var live = newNamespace()
        var diverged = live
        _ = try live.make(.root, "a")
        _ = try diverged.create(.root, "a", type: .file, mode: 0o600, as: .root, now: t0)
        let checksum = try live.recordChecksum(now: t0)
        guard case .checksum(let value) = checksum.change else { Issue.record("not a checksum"); return }
        #expect(throws: ReplayError.checksumMismatch(version: checksum.version, recorded: value, computed: diverged.checksum)) {
            try diverged.apply(checksum)
        }
    }

    @Test func setMetaIDOfAnotherClusterIsRefused() throws {
        var ns = newNamespace()
        let record = ChangelogRecord(version: ns.version.next, time: t0, change: .setMetaID(MetaID(1)))
        #expect(throws: ReplayError.metaIDMismatch(version: record.version, namespace: ns.metaID, record: MetaID(1))) {
            try ns.apply(record)
        }
    }

    @Test func checksumIsIncrementalAndMatchesARecomputation() throws {
        var live = newNamespace()
        var workload = RandomWorkload(seed: 42)
        for _ in 0..<3_000 { _ = workload.step(&live) }
        let reloaded = try MetadataFile.decode(MetadataFile.encode(live))  // recomputes from scratch
        #expect(reloaded.checksum == live.checksum)
    }
}
