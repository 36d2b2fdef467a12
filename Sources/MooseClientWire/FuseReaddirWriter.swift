import MooseWire

/// READDIR's reply with attributes (`msgid nedgeid:64 N × (NAME inode:32 A)`, the same bytes
/// as `FuseReply.readdir(…).encode()`), written straight into memory the caller sized with
/// `capacity`: a listing of a large directory is built entry by entry without an entry array,
/// a name copy or a growing buffer (mfsmount asks for the whole directory in one request).
public struct FuseReaddirWriter {
    private let memory: UnsafeMutableRawBufferPointer
    /// Bytes written so far (the frame header included).
    public private(set) var written: Int

    /// Bytes of the whole frame for `entries` entries whose names take `nameBytes` in all.
    public static func capacity(entries: Int, nameBytes: Int) -> Int {
        MooseWireLimits.frameHeaderLength + 4 + 8 + entries * (1 + 4 + FuseAttr.size) + nameBytes
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
        precondition(name.count <= Int(UInt8.max), "a name of \(name.count) bytes")
        precondition(written + 1 + name.count + 4 + FuseAttr.size <= memory.count, "READDIR reply past its capacity")
        store(UInt8(name.count))
        if let source = name.baseAddress, !name.isEmpty {
            (memory.baseAddress! + written).copyMemory(from: source, byteCount: name.count)
            written += name.count
        }
        store(inode)
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

    /// Fills in the payload length; returns the frame's bytes in all.
    public mutating func finish() -> Int {
        let length = UInt32(written - MooseWireLimits.frameHeaderLength)
        memory.storeBytes(of: length.bigEndian, toByteOffset: 4, as: UInt32.self)
        return written
    }

    private mutating func store<T: FixedWidthInteger>(_ value: T) {
        memory.storeBytes(of: value.bigEndian, toByteOffset: written, as: T.self)
        written += MemoryLayout<T>.size
    }
}
