import MFSChangelog
import MFSCore
import MFSMetadata
import MFSStorage
import MFSTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// mfsworkload: a seeded random metadata workload written as a data directory, for the demo
/// and the benchmarks (not installed). Writes DIR/metadata.start.mfs (the empty cluster),
/// DIR/changelog.0.mfs (every change) and DIR/metadata.live.mfs (the live namespace's dump).
///
///     mfsworkload [--typical] DIR [CHANGES] [SEED]
///
/// The default mix exercises every operation often (as the tests do); `--typical` is a client
/// population's mix (see `RandomWorkload.Mix`).
///
///     mfsworkload --snapshot-inodes N DIR CHANGES [SEED]
///
/// builds a namespace of at least N inodes by creates alone, writes it as
/// DIR/metadata.snapshot.mfs, then makes CHANGES changes of the typical mix after it, written as
/// DIR/changelog.tail.mfs: a metalogger's snapshot and the changes since (the cold-standby
/// failover benchmark's "1 M inodes and 100,000 changes after the last snapshot").
var arguments = CommandLine.arguments
let typical = arguments.contains("--typical")
arguments.removeAll { $0 == "--typical" }
var snapshotInodes: Int?
if let flag = arguments.firstIndex(of: "--snapshot-inodes"), flag + 1 < arguments.count, let n = Int(arguments[flag + 1]), n > 0 {
    snapshotInodes = n
    arguments.removeSubrange(flag...(flag + 1))
}
guard arguments.count >= 2, arguments.count <= 4, !arguments.contains("--snapshot-inodes") else {
    printError("usage: mfsworkload [--typical] DIR [CHANGES] [SEED]\n       mfsworkload --snapshot-inodes N DIR CHANGES [SEED]\n")
    exit(2)
}
let directory = arguments[1]
let changes = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
let seed = arguments.count > 3 ? UInt64(arguments[3]) ?? 1 : 1
let now = UnixTime(UInt32(time(nil)))

var ns = Namespace()
let first = try ns.setMetaID(MetaID(UInt64.random(in: 1...UInt64.max)), now: now)
if let snapshotInodes {
    writeSnapshotAndTail(&ns, inodes: snapshotInodes, changes: changes, seed: seed, now: now)
    exit(0)
}
let start = MetadataFile.encode(Namespace())
var log = ChangelogHeader(metaID: ns.metaID).format()
ChangelogCodec.append(first, to: &log)
var workload = RandomWorkload(seed: seed, start: now, checksumInterval: 1_000, mix: typical ? .typical : .coverage)
var count = 1
while count < changes {
    for record in workload.step(&ns) {
        ChangelogCodec.append(record, to: &log)
        count += 1
    }
}
do {
    try FileIO.writeAtomically(directory + "/metadata.start.mfs", keepPrevious: 0) { write throws(StorageError) in try write(start) }
    try FileIO.writeAtomically(directory + "/changelog.0.mfs", keepPrevious: 0) { write throws(StorageError) in try write(log) }
    try FileIO.writeAtomically(directory + "/metadata.live.mfs", keepPrevious: 0) { write throws(StorageError) in
        try write(MetadataFile.encode(ns))
    }
} catch {
    printError("mfsworkload: \(error)\n")
    exit(1)
}
print(
    "mfsworkload: \(count) changes (seed \(seed)), \(ns.inodeCount) inodes, \(ns.sessionIDs.count) sessions, version \(ns.version), epoch \(ns.epoch), metaid \(ns.metaID.hex)"
)

/// `--snapshot-inodes`: the snapshot of a grown namespace, then a changelog of `changes` after it.
func writeSnapshotAndTail(_ ns: inout Namespace, inodes: Int, changes: Int, seed: UInt64, now: UnixTime) {
    var workload = RandomWorkload(seed: seed, start: now, checksumInterval: 1_000, mix: .grow)
    while ns.inodeCount < inodes { _ = workload.step(&ns) }
    let snapshot = MetadataFile.encode(ns)
    workload.mix = .typical
    var tail = ChangelogHeader(metaID: ns.metaID).format()
    var count = 0
    while count < changes {
        for record in workload.step(&ns) {
            ChangelogCodec.append(record, to: &tail)
            count += 1
        }
    }
    do {
        try FileIO.writeAtomically(directory + "/metadata.snapshot.mfs", keepPrevious: 0) { write throws(StorageError) in
            try write(snapshot)
        }
        try FileIO.writeAtomically(directory + "/changelog.tail.mfs", keepPrevious: 0) { write throws(StorageError) in try write(tail) }
    } catch {
        printError("mfsworkload: \(error)\n")
        exit(1)
    }
    print(
        "mfsworkload: snapshot of \(inodes)+ inodes, then \(count) changes (seed \(seed)) to version \(ns.version), \(ns.inodeCount) inodes, metaid \(ns.metaID.hex)"
    )
}
