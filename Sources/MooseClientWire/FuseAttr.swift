import MooseWire

/// The attribute record (`A`, notes §3.1): 36 bytes for peers of 3.0.93 and later (35 without
/// `winattr` before). Our master speaks only to 3.0.93 and later, so always 36:
///
/// `flags:8 mode:16 uid:32 gid:32 atime:32 mtime:32 ctime:32 nlink:32 length:64 winattr:8`
///
/// `mode` is `type<<12 | perm & 07777`, type 1 file, 2 directory, 3 symlink, 4 fifo, 5 block
/// device, 6 character device, 7 socket. `length` is a file's bytes, a directory's encoded
/// size, a symlink's target length, `rdev<<32` for devices.
public struct FuseAttr: Hashable, Sendable {
    /// Bytes on the wire.
    public static let size = 36

    /// `MATTR_*`: 0x01 no attribute cache, 0x02 no entry cache, 0x04 allow data cache,
    /// 0x08 no xattrs (the client then skips `security.capability` lookups), 0x20 undeletable.
    public var flags: UInt8
    /// `type<<12 | permissions`.
    public var mode: UInt16
    public var uid: UInt32
    public var gid: UInt32
    public var atime: UInt32
    public var mtime: UInt32
    public var ctime: UInt32
    public var nlink: UInt32
    public var length: UInt64
    public var winattr: UInt8

    public init(
        flags: UInt8, mode: UInt16, uid: UInt32, gid: UInt32, atime: UInt32, mtime: UInt32, ctime: UInt32, nlink: UInt32,
        length: UInt64, winattr: UInt8 = 0
    ) {
        (self.flags, self.mode, self.uid, self.gid) = (flags, mode, uid, gid)
        (self.atime, self.mtime, self.ctime, self.nlink, self.length, self.winattr) = (atime, mtime, ctime, nlink, length, winattr)
    }

    /// The node type, 1…7 (0 for a record that carries none).
    public var type: UInt8 { UInt8(mode >> 12) }

    public static let noAttributeCache: UInt8 = 0x01
    public static let allowDataCache: UInt8 = 0x04
    public static let noXattr: UInt8 = 0x08

    func encode(into writer: inout MooseWriter) {
        writer.write(flags)
        writer.write(mode)
        writer.write(uid)
        writer.write(gid)
        writer.write(atime)
        writer.write(mtime)
        writer.write(ctime)
        writer.write(nlink)
        writer.write(length)
        writer.write(winattr)
    }

    static func decode(from reader: inout MooseReader, _ field: @autoclosure () -> String = "attr") throws(MooseWireError) -> FuseAttr {
        FuseAttr(
            flags: try reader.uint8("\(field()).flags"), mode: try reader.uint16("\(field()).mode"),
            uid: try reader.uint32("\(field()).uid"),
            gid: try reader.uint32("\(field()).gid"), atime: try reader.uint32("\(field()).atime"),
            mtime: try reader.uint32("\(field()).mtime"), ctime: try reader.uint32("\(field()).ctime"),
            nlink: try reader.uint32("\(field()).nlink"), length: try reader.uint64("\(field()).length"),
            winattr: try reader.uint8("\(field()).winattr"))
    }
}

/// Who asks: `G` = `uid:32 gcnt:32 gid[gcnt]:32` (3.0's groups block, the primary gid first),
/// or the legacy `uid:32 gid:32` that a request has when its length leaves exactly 8 bytes for
/// it (MooseFS tells the two apart by the total length; a client with no groups sends the
/// legacy form with gid 0xFFFFFFFF). `legacy` keeps which form came, so encoding is canonical.
public struct FuseCredentials: Hashable, Sendable {
    public var uid: UInt32
    /// The groups, primary first; exactly one in the legacy form.
    public var gids: [UInt32]
    public var legacy: Bool

    public init(uid: UInt32, gids: [UInt32], legacy: Bool = false) {
        precondition(legacy ? gids.count == 1 : !gids.isEmpty, "the legacy form carries one gid, the list at least one")
        precondition(gids.count <= MooseClientLimits.maxGroups, "\(gids.count) groups")
        (self.uid, self.gids, self.legacy) = (uid, gids, legacy)
    }

    /// Bytes on the wire.
    public var size: Int { legacy ? 8 : 8 + 4 * gids.count }

    func encode(into writer: inout MooseWriter) {
        writer.write(uid)
        if !legacy { writer.write(UInt32(gids.count)) }
        for gid in gids { writer.write(gid) }
    }

    /// Reads the block that fills `size` bytes (the request's length less its other fields).
    /// `legacyAllowed`: false where the request has no legacy form of that size (8 bytes are
    /// then a list of no groups, which is refused).
    static func decode(from reader: inout MooseReader, size: Int, legacyAllowed: Bool = true) throws(MooseWireError)
        -> FuseCredentials
    {
        guard size >= (legacyAllowed ? 8 : 12) else {
            throw .wrongLength(message: reader.message, length: reader.length, expected: "room for uid, gcnt and one gid")
        }
        let uid = try reader.uint32("uid")
        if size == 8 { return FuseCredentials(uid: uid, gids: [try reader.uint32("gid")], legacy: true) }
        let count = Int(try reader.uint32("gcnt"))
        guard count <= MooseClientLimits.maxGroups else {
            throw .countOutOfRange(message: reader.message, field: "gcnt", count: count, limit: MooseClientLimits.maxGroups)
        }
        guard 8 + 4 * count == size else {
            throw .wrongLength(message: reader.message, length: reader.length, expected: "\(reader.length - size + 8) + 4 × gcnt")
        }
        var gids: [UInt32] = []
        gids.reserveCapacity(count)
        for _ in 0..<count { gids.append(try reader.uint32("gid")) }
        return FuseCredentials(uid: uid, gids: gids)
    }
}

extension MooseReader {
    /// `NAME` = `nleng:8 bytes[nleng]` (no NUL).
    mutating func name(_ field: @autoclosure () -> String = "name") throws(MooseWireError) -> [UInt8] {
        let count = Int(try uint8("\(field()) length"))
        return try bytes(count, field())
    }
}

extension MooseWriter {
    mutating func write(name: [UInt8]) {
        precondition(name.count <= Int(UInt8.max), "a name of \(name.count) bytes")
        write(UInt8(name.count))
        write(bytes: name)
    }
}
