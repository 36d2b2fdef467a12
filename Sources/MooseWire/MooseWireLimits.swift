/// Every bound MooseWire puts on a peer's input, named after what it bounds. Each is tested at
/// the limit and one past it. Where MooseFS 3.0.117 has its own number (docs/research/
/// moosefs-3.0-chunkserver-protocol.md §1.4) the comment gives it and says why ours differs.
public enum MooseWireLimits {
    /// The length of a frame header: `type:32 length:32`.
    public static let frameHeaderLength = 8

    // MARK: frame payloads, by what the connection reads

    /// Our master reading a chunkserver on 9420 (2 MiB). The largest legitimate frame is a
    /// register CHUNKS packet at the chunkserver's largest CHUNKS_PER_REGISTER_PACKET
    /// (100,000 entries: 1,200,001 bytes, plus the few entries of a last hash bucket). MooseFS
    /// allows 500,000,000 (CSTOMA_MAXPACKETSIZE) and allocates it whole; we do not need to.
    public static let chunkserverToMasterFrame = 2 << 20

    /// Our chunkserver reading the master on 9420: 10,000 bytes, MooseFS's own
    /// MATOCS_MAXPACKETSIZE, so whatever a MooseFS master may send is read. The largest message
    /// is the XOR replicate with 8 sources, 172 bytes.
    public static let masterToChunkserverFrame = 10_000

    /// Either side of a data port (9422) connection: 100,000 bytes, MooseFS's
    /// CSTOCS/CLTOCS/CSTOCL_MAXPACKETSIZE. The largest message is a whole-block WRITE_DATA or
    /// READ_DATA (24 or 20 bytes + 65,536).
    public static let dataPortFrame = 100_000

    /// A replicating chunkserver reading its source's data port: one whole block of
    /// READ_DATA, `20 + 65,536` bytes, as MooseFS's replicator allows.
    public static let replicationSourceFrame = 20 + blockSize

    // MARK: fields

    /// Bytes in a block (MFSBLOCKSIZE): the most one READ_DATA or WRITE_DATA carries.
    public static let blockSize = 0x10000
    /// Blocks in a chunk (MFSBLOCKSINCHUNK).
    public static let blocksPerChunk = 1_024
    /// Bytes in a chunk (MFSCHUNKSIZE, 64 MiB).
    public static let chunkSize = blockSize * blocksPerChunk

    /// Entries in one register CHUNKS packet (rver 61/51). The chunkserver's
    /// CHUNKS_PER_REGISTER_PACKET is clamped to 1,000...100,000 and a packet may exceed it by
    /// the rest of one hash bucket (16 Mi buckets: in practice 0 to 2 entries); 10 % room.
    public static let maxChunksPerRegisterPacket = 110_000

    /// Entries in one CSTOMA_CHUNK_LOST or CSTOMA_CHUNK_NEW (LOSTCHUNKLIMIT, NEWCHUNKLIMIT,
    /// CHANGEDCHUNKLIMIT are all 25,000 in 3.0.117).
    public static let maxChunkReportEntries = 25_000

    /// Entries in one CSTOMA_CHUNK_DAMAGED. MooseFS sends every damaged chunk found since its
    /// last report in one packet and bounds it only by the packet limit; this is 1 MiB of ids.
    public static let maxDamagedChunksPerReport = 131_072

    /// Further chunkservers in a CLTOCS_WRITE chain. MooseFS bounds it by the packet only;
    /// goals (and storage-class copy counts) stop at 9 copies, so 8 would do.
    public static let maxWriteChainLength = 32

    /// Sources of an XOR replication (MATOCS_REPLICATE of 28 + 18n bytes, n = 1...8).
    public static let maxXorReplicationSources = 8

    /// A config name or value in ANTOAN_GET_CONFIG / ANTOAN_CONFIG_VALUE (one-byte length).
    public static let maxConfigTextLength = 255

    /// The version text after ANTOAN_VERSION's number ("3.0.117-1" is 9 bytes). MooseFS sends
    /// the rest of the packet; we keep at most this much.
    public static let maxVersionTextLength = 255

    /// Random bytes in the master's password challenge (ACK atype 3).
    public static let registerChallengeLength = 32

    /// Bytes of the MD5 answer in a passworded register BEGIN.
    public static let registerPasscodeLength = 16
}
