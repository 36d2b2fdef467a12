import Foundation
import MFSChangelog
import MFSCore
import Testing

@testable import MFSStorage

/// A changelog line longer than any change (`ChangelogLimits.maxLineLength`) is damage, not a
/// change: it is neither kept for peers at a start nor served to a candidate. Sent, it would not
/// fit a `ChangeBatch` frame, whose encoder refuses it by trapping.
@Suite struct ChangelogTailLimitTests {
    @Test func aLineLongerThanAnyChangeIsNeitherKeptNorServed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var text = ChangelogHeader(metaID: metaID).format()
        for record in records(10) {
            guard record.version == MetaVersion(5) else {
                ChangelogCodec.append(record, to: &text)
                continue
            }
            text += Array("5: 1|".utf8) + Array(repeating: UInt8(ascii: "a"), count: ChangelogLimits.maxLineLength) + [0x0A]
        }
        let path = dir + "/changelog.1.mfs"
        try Data(text).write(to: URL(fileURLWithPath: path))

        let kept = ChangelogTail.recentLines([path], through: MetaVersion(10), maxBytes: 1 << 20)
        #expect(kept.map(\.0.rawValue) == [6, 7, 8, 9, 10], "kept back to the long line, not through it")
        #expect {
            try ChangelogTail.batches([path], after: MetaVersion(2), through: MetaVersion(10), maxBytes: 1 << 19)
        } throws: { error in
            (error as? TailError)?.description.contains("change 5 is a line of") == true
        }
        let served = try ChangelogTail.batches([path], after: MetaVersion(5), through: MetaVersion(10), maxBytes: 1 << 19)
        #expect(served.map(\.count).reduce(0, +) == 5)
    }
}
