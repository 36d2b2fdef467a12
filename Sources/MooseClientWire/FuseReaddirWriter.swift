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
        let slot = appendLeavingRoom(name: name, inode: inode)
        fill(slot, with: attr)
    }

    /// One entry's name and inode with room after them for its attribute record, which
    /// `fill(_:with:)` writes later; returns where that record goes (the slot). A listing
    /// writes its names in entry order and the records in inode order
    /// (`Namespace.forEachEntryWithAttributes`).
    public mutating func appendLeavingRoom(name: UnsafeBufferPointer<UInt8>, inode: UInt32) -> UInt32 {
        storeName(name, inode: inode, then: FuseAttr.size)
        let slot = UInt32(written)
        written += FuseAttr.size
        return slot
    }

    /// Writes an attribute record into the room `appendLeavingRoom` left at `slot`.
    public func fill(_ slot: UInt32, with attr: FuseAttr) {
        var at = Int(slot)
        precondition(at >= Self.capacity(entries: 0, nameBytes: 0) && at + FuseAttr.size <= written, "no room for attributes at \(at)")
        func put<T: FixedWidthInteger>(_ value: T) {
            memory.storeBytes(of: value.bigEndian, toByteOffset: at, as: T.self)
            at += MemoryLayout<T>.size
        }
        put(attr.flags)
        put(attr.mode)
        put(attr.uid)
        put(attr.gid)
        put(attr.atime)
        put(attr.mtime)
        put(attr.ctime)
        put(attr.nlink)
        put(attr.length)
        put(attr.winattr)
    }

    /// Takes out the entries whose rooms are at `slots` (ascending), closing the gaps: for a
    /// listing whose entries all carry attributes, when some child had none to give.
    public mutating func remove(slots: [UInt32]) {
        guard !slots.isEmpty else { return }
        var from = Self.capacity(entries: 0, nameBytes: 0)
        var to = from
        var next = 0
        while from < written {
            let nameLength = Int(memory[from])
            let length = 1 + nameLength + 4 + FuseAttr.size
            if next < slots.count, Int(slots[next]) == from + 1 + nameLength + 4 {
                next += 1
            } else {
                if to != from { (memory.baseAddress! + to).copyMemory(from: memory.baseAddress! + from, byteCount: length) }
                to += length
            }
            from += length
        }
        written = to
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
