import MFSChangelog
import MFSCore
import MFSPeer
import MFSWire
import Testing

@testable import MFSMaster

/// A candidate takes from a voter's tail only what it asked for: each batch right after the
/// one before (the request's `after` first), none past `through`, so a voter cannot make the
/// candidate hold more than the range.
@Suite struct TailAppendTests {
    static let request = TailRequest(after: MetaVersion(10), afterEpoch: Epoch(1), through: MetaVersion(14))

    static func batch(_ first: UInt64, _ count: Int) -> ChangeBatch {
        let text = (0..<count).flatMap {
            ChangelogCodec.format(ChangelogRecord(version: MetaVersion(first + UInt64($0)), time: UnixTime(5), change: .idle))
        }
        return ChangeBatch(firstVersion: MetaVersion(first), count: UInt32(count), text: text)
    }

    @Test func batchesInRangeAndInOrderAreTaken() throws {
        var records: [ChangelogRecord] = []
        try Promotion.append(Self.batch(11, 2), to: &records, asked: Self.request, from: "voter")
        try Promotion.append(Self.batch(13, 2), to: &records, asked: Self.request, from: "voter")
        #expect(records.map(\.version.rawValue) == [11, 12, 13, 14])
    }

    @Test func aGapAnOverlapOrChangesPastTheRangeAreRefused() {
        for (first, count) in [(12, 1), (10, 2), (11, 5), (15, 1)] {
            var records: [ChangelogRecord] = []
            #expect(throws: LinkError.self, "batch \(first)+\(count)") {
                try Promotion.append(Self.batch(UInt64(first), count), to: &records, asked: Self.request, from: "voter")
            }
            #expect(records.isEmpty)
        }
        var records: [ChangelogRecord] = []
        #expect(throws: Never.self) { try Promotion.append(Self.batch(11, 3), to: &records, asked: Self.request, from: "voter") }
        #expect(throws: LinkError.self) { try Promotion.append(Self.batch(13, 1), to: &records, asked: Self.request, from: "voter") }
    }
}
