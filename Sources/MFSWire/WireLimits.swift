import MFSCore
import MFSMetadata

/// Every bound the client–master protocol puts on a peer's input. A decoder checks each one
/// before it allocates for the field, so a peer can make the master hold at most
/// `maxFrameLength` bytes per connection, however it lies.
///
/// Each limit is tested at the limit and one past it (where one past can be expressed on the
/// wire at all: a `NAME` has a one-byte length, so 256 bytes cannot be written).
public enum WireLimits {
    /// The longest frame payload, in bytes (1 MiB). The largest legitimate messages are far
    /// below it:
    /// - a full readdir page: 11 + 1,024 × (13 + 1 + 255) = 275,467 bytes;
    /// - a full chunk-list page: 11 + 4,096 × 17 = 69,643 bytes (room left for the chunkserver
    ///   locations that a later version adds to each chunk);
    /// - a symlink request with a 4,096-byte target, a 255-byte name and 64 groups: 4,631 bytes.
    ///
    /// MooseFS bounds client packets the same way (`CLTOMA_MAXPACKETSIZE`, 1,000,000).
    public static let maxFrameLength = 1 << 20

    /// The length of a frame header: `type:32 length:32`.
    public static let frameHeaderLength = 8

    /// Supplementary groups sent with a request's credentials. Permission checks need only
    /// the groups that own files the caller touches; 64 covers real users (Linux allows 65,536,
    /// but FUSE itself passes none, so the client collects them from `/proc`).
    public static let maxGroups = 64

    /// The longest entry name (NAME_MAX), as `EntryName` enforces.
    public static let maxNameLength = EntryName.maxLength

    /// The longest symlink target (PATH_MAX), as the namespace enforces.
    public static let maxSymlinkTargetLength = NamespaceLimits.maxSymlinkTargetLength

    /// Entries in one readdir page; a client asks for at most this many.
    public static let maxReaddirEntries = 1_024

    /// Chunks in one chunk-list page; a client asks for at most this many.
    public static let maxChunksPerReply = 4_096

    /// Chunkservers in one `ChunkLocation`: the copies of a chunk to read from, or a write
    /// chain. A goal is at most 9 copies (DESIGN §2); 32 leaves room for extra copies during
    /// a replication and keeps a reply under 220 bytes.
    public static let maxChunkLocations = 32

    /// The longest software version string in a hello (`"0.1.0-dev+abc"` is 13).
    public static let maxVersionStringLength = 64

    /// The longest export path a client may ask to mount. Short enough that the master's
    /// session description (address + path + version) fits `NamespaceLimits.maxSessionInfoLength`.
    public static let maxMountPathLength = 512

    /// The longest password challenge the master sends (MooseFS uses 32 random bytes).
    public static let maxChallengeLength = 64

    /// The longest answer to a challenge (an HMAC-SHA256 is 32 bytes).
    public static let maxAuthResponseLength = 64

    /// The longest active-master address in a `notActive` status (`host:port` text; a one-byte
    /// length).
    public static let maxAddressLength = 255

    /// The longest reason text in a refused `PeerStart` (a two-byte length; longer text is cut).
    public static let maxReasonLength = 1_024

    /// Voters a vote answer carries at most (DESIGN §7.2: masters and metaloggers of one
    /// cluster).
    public static let maxVoters = 64

    /// The longest block of a metadata download (512 KiB: a frame well under `maxFrameLength`).
    public static let maxMetadataBlockLength = 512 * 1024

    /// The most changelog text in one `ChangeBatch`: room for the header under `maxFrameLength`,
    /// and far above the longest line (`ChangelogLimits.maxLineLength`, 13,184 bytes).
    public static let maxChangeBatchBytes = maxFrameLength - 64
}
