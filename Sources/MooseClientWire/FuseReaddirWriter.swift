import MooseWire

/// READDIR's reply with attributes (`msgid nedgeid:64 N × (NAME inode:32 A)`, the same bytes
/// as `FuseReply.readdir(…).encode()`), written straight into memory the caller sized with
/// `capacity`: a listing of a large directory is built entry by entry without an entry array,
/// a name copy or a growing buffer (mfsmount asks for the whole directory in one request).
public struct FuseReaddirWriter {
    private let memory: UnsafeMutableRawBufferPointer
    /// Bytes written so far (the frame header included).
    public private(set) var written: Int

    /// Bytes of the whole frame for `entries` entries whose names take `nameBytes` in all; each
    /// entry carries its attribute record, or (`withAttributes: false`) only its type byte.
    public static func capacity(entries: Int, nameBytes: Int, withAttributes: Bool = true) -> Int {
        MooseWireLimits.frameHeaderLength + 4 + 8 + entries * (1 + 4 + (withAttributes ? FuseAttr.size : 1)) + nameBytes
    }

    /// Starts the frame in `memory` (at least `capacity` of what will be appended).
    public init(into memory: UnsafeMutableRawBufferPointer, messageID: UInt32, edgeID: UInt64) {
        precondition(memory.count >= Self.capacity(entries: 0, nameBytes: 0), "\(memory.count) bytes for a READDIR reply")
        self.memory = memory
        written = 0
        store(MooseMessageType.fuseReaddir.reply.rawValue)
        store(UInt32(0))  // the length, filled in by `finish`
        store(messageID)
        store(edgeID)
    }

    /// One entry: its name (at most 255 bytes), the inode the client knows it by, its record.
    public mutating func append(name: UnsafeBufferPointer<UInt8>, inode: UInt32, attr: FuseAttr) {
        storeName(name, inode: inode, then: FuseAttr.size)
        store(attr.flags)
        store(attr.mode)
        store(attr.uid)
        store(attr.gid)
        store(attr.atime)
        store(attr.mtime)
        store(attr.ctime)
        store(attr.nlink)
        store(attr.length)
        store(attr.winattr)
    }

    /// One entry of a listing without attributes (READDIR without `GETDIR_FLAG_WITHATTR`, as
    /// libmfsio lists): its name, inode and type byte (`FuseReaddirWriter.typeByte`).
    public mutating func append(name: UnsafeBufferPointer<UInt8>, inode: UInt32, type: UInt8) {
        storeName(name, inode: inode, then: 1)
        store(type)
    }

    /// The type byte of an entry listed without attributes, for MooseFS's node type (1 file,
    /// 2 directory, 3 symlink, 4 fifo, 5 block device, 6 char device, 7 socket): the number
    /// itself for clients since 1.7.32 (MooseFS's `SESFLAG_ATTRBIT`), a letter for older ones.
    public static func typeByte(_ mooseType: UInt8, clientVersion: MooseVersion) -> UInt8 {
        guard clientVersion.rawValue < MooseVersion(major: 1, mid: 7, minor: 32).rawValue else { return mooseType }
        let letters = Array("?fdlqbcs".utf8)
        return Int(mooseType) < letters.count ? letters[Int(mooseType)] : UInt8(ascii: "?")
    }

    /// Fills in the payload length; returns the frame's bytes in all.
    public mutating func finish() -> Int {
        let length = UInt32(written - MooseWireLimits.frameHeaderLength)
        memory.storeBytes(of: length.bigEndian, toByteOffset: 4, as: UInt32.self)
        return written
    }

    /// An entry's `NAME inode:32`, checking that `rest` more bytes (its attributes or type) fit.
    private mutating func storeName(_ name: UnsafeBufferPointer<UInt8>, inode: UInt32, then rest: Int) {
        precondition(name.count <= Int(UInt8.max), "a name of \(name.count) bytes")
        precondition(written + 1 + name.count + 4 + rest <= memory.count, "READDIR reply past its capacity")
        store(UInt8(name.count))
        if let source = name.baseAddress, !name.isEmpty {
            (memory.baseAddress! + written).copyMemory(from: source, byteCount: name.count)
            written += name.count
        }
        store(inode)
    }

    private mutating func store<T: FixedWidthInteger>(_ value: T) {
        memory.storeBytes(of: value.bigEndian, toByteOffset: written, as: T.self)
        written += MemoryLayout<T>.size
    }
}
