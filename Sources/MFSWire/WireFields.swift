import MFSCore
import MFSMetadata

/// Layouts of the records that several messages share, MooseFS style:
///
/// - `NAME`: `length:8 bytes:lengthB`, an `EntryName` (1…255 bytes, no `/` or NUL, not `.` or
///   `..`).
/// - `CREDENTIALS`: `uid:32 gid:32 groupCount:8 groupCount*[gid:32]`, at most
///   `WireLimits.maxGroups` groups.
/// - `ATTR` (44 bytes): `inode:32 type:8 mode:16 uid:32 gid:32 atime:32 mtime:32 ctime:32
///   nlink:32 length:64 goal:8 rdev:32`. `type` is the `NodeType` letter (`f d l q s b c`);
///   times are whole seconds since 1970.
/// - `CHANGES` (23 bytes): `setmask:8 mode:16 uid:32 gid:32 atime:32 mtime:32`. `setmask` bits
///   as MooseFS's `SET_*_FLAG`: 0x02 mode, 0x04 uid, 0x08 gid, 0x10 mtime now, 0x20 mtime,
///   0x40 atime, 0x80 atime now; 0x01 is unused. A field whose bit is clear (or whose time is
///   "now") is 0.
/// - `ENTRY`: `cookie:64 inode:32 type:8 name:NAME`.
/// - `CHUNK` (17 bytes): `index:32 chunkid:64 version:32 locationCount:8`. The extension point
///   for chunkserver locations: in protocol 1.0 `locationCount` is 0 and nothing follows; the
///   minor version that adds locations appends `locationCount` location records here and is
///   sent only to clients that announced it.
enum WireFields {
    static let setMode: UInt8 = 0x02
    static let setUID: UInt8 = 0x04
    static let setGID: UInt8 = 0x08
    static let setMTimeNow: UInt8 = 0x10
    static let setMTime: UInt8 = 0x20
    static let setATime: UInt8 = 0x40
    static let setATimeNow: UInt8 = 0x80
    static let setMask: UInt8 = 0xFE
}

extension FrameWriter {
    mutating func write(_ name: EntryName) {
        write(shortString: name.bytes, field: "name")
    }

    mutating func write(_ who: Credentials) {
        precondition(who.groups.count <= WireLimits.maxGroups, "\(who.groups.count) supplementary groups")
        write(who.uid)
        write(who.gid)
        write(UInt8(who.groups.count))
        for group in who.groups { write(group) }
    }

    mutating func write(_ a: Attributes) {
        write(a.inode.rawValue)
        write(a.type.rawValue)
        write(a.mode)
        write(a.uid)
        write(a.gid)
        write(a.atime.rawValue)
        write(a.mtime.rawValue)
        write(a.ctime.rawValue)
        write(a.nlink)
        write(a.length)
        write(a.goal)
        write(a.rdev)
    }

    mutating func write(_ changes: AttributeChanges) {
        var mask: UInt8 = 0
        if changes.mode != nil { mask |= WireFields.setMode }
        if changes.uid != nil { mask |= WireFields.setUID }
        if changes.gid != nil { mask |= WireFields.setGID }
        mask |= Self.timeBits(changes.atime, now: WireFields.setATimeNow, set: WireFields.setATime)
        mask |= Self.timeBits(changes.mtime, now: WireFields.setMTimeNow, set: WireFields.setMTime)
        write(mask)
        write(changes.mode ?? 0)
        write(changes.uid ?? 0)
        write(changes.gid ?? 0)
        write(Self.explicitTime(changes.atime))
        write(Self.explicitTime(changes.mtime))
    }

    private static func timeBits(_ update: TimeUpdate?, now: UInt8, set: UInt8) -> UInt8 {
        switch update {
        case nil: 0
        case .now: now
        case .set: set
        }
    }

    private static func explicitTime(_ update: TimeUpdate?) -> UInt32 {
        if case .set(let time) = update { return time.rawValue }
        return 0
    }

    mutating func write(_ entry: DirectoryListingEntry) {
        write(entry.cookie)
        write(entry.inode.rawValue)
        write(entry.type.rawValue)
        write(entry.name)
    }

    mutating func write(_ chunk: ChunkInfo) {
        write(chunk.index)
        write(chunk.chunk.rawValue)
        write(chunk.version)
        write(UInt8(0))  // locationCount: none in protocol 1.0
    }
}

extension PayloadReader {
    mutating func inode() throws(WireError) -> InodeID { InodeID(try uint32()) }

    mutating func credentials() throws(WireError) -> Credentials {
        let uid = try uint32()
        let gid = try uint32()
        let count = Int(try uint8())
        guard count <= WireLimits.maxGroups else {
            throw malformed("groups", "\(count) supplementary groups; the limit is \(WireLimits.maxGroups)")
        }
        var groups: [UInt32] = []
        groups.reserveCapacity(count)
        for _ in 0..<count { groups.append(try uint32()) }
        return Credentials(uid: uid, gid: gid, groups: groups)
    }

    mutating func attributes() throws(WireError) -> Attributes {
        let inode = try inode()
        let type = try nodeType("attributes.type")
        let mode = try uint16()
        let uid = try uint32()
        let gid = try uint32()
        let atime = UnixTime(try uint32())
        let mtime = UnixTime(try uint32())
        let ctime = UnixTime(try uint32())
        let nlink = try uint32()
        let length = try uint64()
        let goal = try uint8()
        let rdev = try uint32()
        return Attributes(
            inode: inode, type: type, mode: mode, uid: uid, gid: gid, atime: atime, mtime: mtime, ctime: ctime,
            nlink: nlink, length: length, goal: goal, rdev: rdev)
    }

    mutating func attributeChanges() throws(WireError) -> AttributeChanges {
        let mask = try flags("setmask", allowed: WireFields.setMask)
        let mode = try uint16()
        let uid = try uint32()
        let gid = try uint32()
        let atime = try uint32()
        let mtime = try uint32()
        var changes = AttributeChanges()
        changes.mode = try optional(mode, mask & WireFields.setMode != 0, "mode")
        changes.uid = try optional(uid, mask & WireFields.setUID != 0, "uid")
        changes.gid = try optional(gid, mask & WireFields.setGID != 0, "gid")
        changes.atime = try time(atime, mask, now: WireFields.setATimeNow, set: WireFields.setATime, "atime")
        changes.mtime = try time(mtime, mask, now: WireFields.setMTimeNow, set: WireFields.setMTime, "mtime")
        return changes
    }

    /// A field present when its mask bit is set; 0 when it is clear, so the encoding is unique.
    private func optional<T: FixedWidthInteger>(_ value: T, _ present: Bool, _ field: String) throws(WireError) -> T? {
        if present { return value }
        guard value == 0 else { throw malformed(field, "\(value) while its setmask bit is clear (must be 0)") }
        return nil
    }

    /// A time: "now" (its field 0), an explicit time, or unchanged (its field 0).
    private func time(_ value: UInt32, _ mask: UInt8, now: UInt8, set: UInt8, _ field: String) throws(WireError) -> TimeUpdate? {
        let isNow = mask & now != 0
        if mask & set != 0 {
            guard !isNow else { throw malformed(field, "both \"now\" and an explicit time requested") }
            return .set(UnixTime(value))
        }
        _ = try optional(value, false, field)
        return isNow ? .now : nil
    }

    mutating func entry() throws(WireError) -> DirectoryListingEntry {
        let cookie = try uint64()
        let inode = try inode()
        let type = try nodeType("entries.type")
        let name = try name("entries.name")
        return DirectoryListingEntry(name: name, inode: inode, type: type, cookie: cookie)
    }

    mutating func chunk() throws(WireError) -> ChunkInfo {
        let index = try uint32()
        let chunk = ChunkID(try uint64())
        let version = try uint32()
        try zero(UInt8.self, "chunks.locationCount")
        return ChunkInfo(index: index, chunk: chunk, version: version)
    }
}
