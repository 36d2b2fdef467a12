import MFSChangelog
import MFSCore
import MFSMetadata

#if canImport(Glibc)
    import Glibc
#endif

/// In-process metadata figures (issue 2): ops/s with 1 M files, each create formatting its
/// changelog line; resident memory per file; changelog lines formatted and parsed per second.
/// Prints a table, or JSON with --json.

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0
    var resident = 0
    _ = withUnsafeMutablePointer(to: &size) { s in withUnsafeMutablePointer(to: &resident) { r in fscanf_wrapper(file, s, r) } }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func fscanf_wrapper(_ file: UnsafeMutablePointer<FILE>, _ a: UnsafeMutablePointer<Int>, _ b: UnsafeMutablePointer<Int>) -> Int32 {
    var line = [CChar](repeating: 0, count: 256)
    guard fgets(&line, 256, file) != nil else { return 0 }
    let parts = String(cString: line).split(separator: " ")
    guard parts.count >= 2 else { return 0 }
    a.pointee = Int(parts[0]) ?? 0
    b.pointee = Int(parts[1]) ?? 0
    return 2
}

let json = CommandLine.arguments.contains("--json")
let files = 1_000_000
let directories = 1_000
let t0 = UnixTime(1_795_315_206)
nonisolated(unsafe) var rows: [(String, Double, String)] = []

func measure(_ name: String, count: Int, unit: String = "ops/s", _ body: () throws -> Void) rethrows {
    let start = now()
    try body()
    let seconds = now() - start
    rows.append((name, Double(count) / seconds, unit))
}

func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }

// Hard links, as rotated backups make them (rsnapshot, rsync --link-dest): each file gets a
// second link in another directory, then its first link goes, so the directory it records
// moves to the other (Namespace.hardLinkDirectories). The metadata file's load, without and
// with the links, shows what rebuilding the link table costs. The links are made first, so
// that the resident size grows with them; the loads, which free what they build, come last.
let linkedFiles = 200_000
let linkedDirectories = 100
var linked = Namespace()
_ = try linked.setMetaID(MetaID(0x5EED), now: t0)
var linkedDirs: [InodeID] = []
for d in 0..<linkedDirectories {
    linkedDirs.append(
        try linked.create(.root, try EntryName(validating: "d\(d)"), type: .directory, mode: 0o755, as: .root, now: t0).0.inode)
}
var linkedInodes: [(InodeID, Int, EntryName, EntryName)] = []
for f in 0..<(linkedFiles / linkedDirectories) {
    let (name, second) = (try EntryName(validating: "file-\(f).dat"), try EntryName(validating: "link-\(f).dat"))
    for (d, dir) in linkedDirs.enumerated() {
        linkedInodes.append((try linked.create(dir, name, type: .file, mode: 0o644, as: .root, now: t0).0.inode, d, name, second))
    }
}
let plainFile = MetadataFile.encode(linked)
let rssBeforeLinks = residentBytes()
try measure("hard link (second link elsewhere)", count: linkedFiles) {
    for (inode, d, _, second) in linkedInodes {
        _ = try linked.link(inode, into: linkedDirs[(d + 1) % linkedDirectories], as: second, who: .root, now: t0)
    }
}
rows.append(("resident memory per hard link", Double(residentBytes() - rssBeforeLinks) / Double(linkedFiles), "bytes"))

let linkRows = rows
rows = []

var ns = Namespace()
_ = try ns.setMetaID(MetaID(0x5EED), now: t0)
var dirs: [InodeID] = []
for d in 0..<directories {
    dirs.append(try ns.create(.root, try EntryName(validating: "dir\(d)"), type: .directory, mode: 0o755, as: .root, now: t0).0.inode)
}
var names: [EntryName] = []
names.reserveCapacity(files / directories)
for f in 0..<(files / directories) { names.append(try EntryName(validating: "file-\(f).dat")) }

let rssBefore = residentBytes()
var log: [UInt8] = []
log.reserveCapacity(1 << 22)
var inodes: [InodeID] = []
inodes.reserveCapacity(files)
try measure("create (with changelog line)", count: files) {
    for f in 0..<(files / directories) {
        for dir in dirs {
            let (attrs, record) = try ns.create(dir, names[f], type: .file, mode: 0o644, as: .root, now: t0)
            inodes.append(attrs.inode)
            ChangelogCodec.append(record, to: &log)
            if log.count > (1 << 22) - 512 { log.removeAll(keepingCapacity: true) }
        }
    }
}
let rssAfter = residentBytes()
rows.append(("resident memory per file", Double(rssAfter - rssBefore - inodes.capacity * 4) / Double(files), "bytes"))

try measure("lookup", count: files) {
    for f in 0..<(files / directories) { for dir in dirs { _ = try ns.lookup(dir, names[f], as: .root) } }
}
try measure("getattr", count: files) {
    for inode in inodes { _ = try ns.attributes(of: inode) }
}
// What MooseFS's mfsdirinfo of the root costs here: a walk over every node (off the event loop).
try measure("tree walk (mfsdirinfo of the root)", count: files + directories + 1, unit: "nodes/s") {
    let totals = try ns.statistics(of: .root)
    precondition(Int(totals.inodes) == files + directories + 1)
}
let renames = 200_000
try measure("rename (within a directory)", count: renames) {
    for i in 0..<renames {
        let record = try ns.rename(
            dirs[i % directories], names[i / directories], to: dirs[i % directories], try EntryName(validating: "r\(i)"), as: .root, now: t0
        ).1
        ChangelogCodec.append(record, to: &log)
        if log.count > (1 << 22) - 512 { log.removeAll(keepingCapacity: true) }
    }
}
try measure("unlink", count: files - renames) {
    for f in (renames / directories)..<(files / directories) {
        for dir in dirs {
            let record = try ns.unlink(dir, names[f], as: .root, now: t0).1
            ChangelogCodec.append(record, to: &log)
            if log.count > (1 << 22) - 512 { log.removeAll(keepingCapacity: true) }
        }
    }
}

// Changelog codec on a mix of lines.
var sample = Namespace()
_ = try sample.setMetaID(MetaID(0x5EED), now: t0)
var records: [ChangelogRecord] = []
let mix = 1_000_000
for i in 0..<(mix / 4) {
    let name = try EntryName(validating: "name-\(i)")
    let (attrs, create) = try sample.create(.root, name, type: .file, mode: 0o644, as: .root, now: t0)
    let attr = try sample.setAttributes(attrs.inode, AttributeChanges(mode: 0o600), as: .root, now: t0).1
    let rename = try sample.rename(.root, name, to: .root, try EntryName(validating: "renamed-\(i)"), as: .root, now: t0).1
    let unlink = try sample.unlink(.root, try EntryName(validating: "renamed-\(i)"), as: .root, now: t0).1
    records += [create, attr, rename, unlink]
}
var buffer: [UInt8] = []
buffer.reserveCapacity(records.count * 64)
measure("changelog lines formatted", count: records.count, unit: "lines/s") {
    for record in records { ChangelogCodec.append(record, to: &buffer) }
}
var parsed = 0
try measure("changelog lines parsed", count: records.count, unit: "lines/s") {
    try buffer.withUnsafeBufferPointer { all in
        var start = 0
        for i in 0..<all.count where all[i] == 0x0A {
            _ = try ChangelogCodec.parse(UnsafeBufferPointer(rebasing: all[start..<i]))
            parsed += 1
            start = i + 1
        }
    }
}
precondition(parsed == records.count)

// The loads and the removals of the hard-link phase (see there), after its first rows.
rows += linkRows
let linkedFile = MetadataFile.encode(linked)
measure("load, no hard links", count: 2 * linkedFiles + 2 * linkedDirectories + 1, unit: "nodes+entries/s") {
    _ = try! MetadataFile.decode(plainFile)
}
measure("load, every file hard-linked", count: 3 * linkedFiles + 2 * linkedDirectories + 1, unit: "nodes+entries/s") {
    _ = try! MetadataFile.decode(linkedFile)
}
try measure("unlink of a file's first link", count: linkedFiles) {
    for (_, d, name, _) in linkedInodes { _ = try linked.unlink(linkedDirs[d], name, as: .root, now: t0) }
}
// Chunks spread by history: files made and deleted for years leave the chunks still held a few
// to each 4,096 ids, as chunk ids are never reused. Each kept chunk here has 40 made and
// deleted after it (100 kept in every 4,096 ids). The rows: loading such a namespace, and the
// bytes its chunk table holds per kept chunk (a dense page of chunk records is 48 KiB).
let keptChunks = 50_000
let churnPerKept = 40
var spread = Namespace()
_ = try spread.setMetaID(MetaID(0x5EED), now: t0)
let churn = try spread.create(.root, try EntryName(validating: "churn"), type: .file, mode: 0o644, as: .root, now: t0).0.inode
var holders: [InodeID] = []
for k in 0..<keptChunks {
    if k % 1_000 == 0 {
        holders.append(
            try spread.create(.root, try EntryName(validating: "kept-\(k / 1_000)"), type: .file, mode: 0o644, as: .root, now: t0).0.inode)
    }
    _ = try spread.addChunk(holders[holders.count - 1], index: UInt32(k % 1_000), now: t0)
    for _ in 0..<churnPerKept {
        _ = try spread.addChunk(churn, index: 0, now: t0)
        _ = try spread.setLength(churn, 1, as: .root, now: t0)
        _ = try spread.setLength(churn, 0, as: .root, now: t0)
    }
}
let spreadFile = MetadataFile.encode(spread)
spread = Namespace()
var spreadLoaded = Namespace()
measure("load, chunks 1 to 41 ids", count: keptChunks, unit: "chunks/s") {
    spreadLoaded = try! MetadataFile.decode(spreadFile)
}
rows.append(("chunk table per chunk, 1 to 41 ids", Double(spreadLoaded.chunkTableBytes) / Double(keptChunks), "bytes"))
var keptIDs: [ChunkID] = []
spreadLoaded.forEachChunk { id, _, _ in keptIDs.append(id) }
precondition(keptIDs.count == keptChunks)
var goals = 0
measure("chunk facts, 1 to 41 ids", count: 20 * keptChunks) {
    for _ in 0..<20 { for id in keptIDs { goals &+= Int(spreadLoaded.chunkExpectation(id)!.goal) } }
}
precondition(goals > 0)

if json {
    let items = rows.map { "\"\($0.0)\": {\"value\": \(Int($0.1)), \"unit\": \"\($0.2)\"}" }
    print("{" + items.joined(separator: ", ") + "}")
} else {
    print("metadata core, in process, \(files) files in \(directories) directories (release build)")
    print(String(repeating: "-", count: 64))
    for (name, value, unit) in rows {
        let text = String(Int(value.rounded()))
        print(pad(name, 36) + String(repeating: " ", count: max(0, 14 - text.count)) + text + " " + unit)
    }
}
