import Foundation
import MFSChangelog
import MFSCore
import MFSMetadata
import MFSRestore
import MFSTestSupport

let t0 = UnixTime(1_795_315_206)

/// A live master's history: the namespace at the start, every record made, and the end state.
struct History {
    var start: Namespace
    var records: [ChangelogRecord]
    var end: Namespace

    init(seed: UInt64, changes: Int) {
        var ns = Namespace()
        var records = [try! ns.setMetaID(MetaID(0xABCD_0000_0000_0001), now: t0)]
        start = ns
        var workload = RandomWorkload(seed: seed, start: t0, checksumInterval: 200)
        while records.count < changes { records += workload.step(&ns) }
        self.records = records
        end = ns
        start = Namespace()
    }
}

/// Changelog file bytes: the header and one line per record.
func changelogBytes(_ records: some Sequence<ChangelogRecord>, metaID: MetaID = MetaID(0xABCD_0000_0000_0001)) -> [UInt8] {
    var bytes = ChangelogHeader(metaID: metaID).format()
    for record in records { ChangelogCodec.append(record, to: &bytes) }
    return bytes
}

func file(_ name: String, _ records: some Sequence<ChangelogRecord>, metaID: MetaID = MetaID(0xABCD_0000_0000_0001)) throws -> ChangelogFile
{
    try ChangelogFile(name: name, bytes: changelogBytes(records, metaID: metaID))
}

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("mfsrestore-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// The built `mfsmetarestore` (test.sh builds every product before the tests run).
func mfsmetarestoreBinary() -> String { MasterProcess.binaryPath("mfsmetarestore") }
