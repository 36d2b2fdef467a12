import MooseWire

/// Named limits of the 9421 MooseFS dialect. Each is checked before anything is allocated for
/// it; one past it is a typed `MooseWireError`.
public enum MooseClientLimits {
    /// The longest request payload our master reads on 9421 (MooseFS's own limit is 50 MB,
    /// `CLTOMA_MAXPACKETSIZE`; nothing mfsmount sends comes near 1 MiB: the biggest is a
    /// SETXATTR of `maxXattrValueLength` or a SUSTAINED_INODES of `maxSustainedInodes`).
    public static let requestFrame = 1 << 20
    /// How old (seconds since its ctime) a node the session's own request made may be for a
    /// create that finds it to count as that create sent again after a failover (mfsmount
    /// retries for up to its `mfsioretries`, 30 by default: well under a minute on a failover).
    public static let retriedCreateWindowSeconds: UInt32 = 60
    /// Message ids (mfsmount's threads) a resumed connection tracks to tell a request sent
    /// again after a failover from a new one; past it, none counts as sent again.
    public static let maxTrackedThreads = 4_096
    /// Supplementary groups in one credentials block (`gcnt`): Linux's NGROUPS_MAX.
    public static let maxGroups = 65_536
    /// A symlink target's bytes, without its NUL (Linux's PATH_MAX less the NUL).
    public static let maxSymlinkTargetLength = 4_095
    /// Bytes of an extended attribute's value (MooseFS's `MFS_XATTR_SIZE_MAX`).
    public static let maxXattrValueLength = 65_536
    /// Bytes of the register's `info` (the mount point) and `path` (the subfolder), NULs included.
    public static let maxRegisterStringLength = 4_096
    /// Open inodes in one SUSTAINED_INODES: as many as fit the request frame.
    public static let maxSustainedInodes = requestFrame / 4
    /// Entries in one AMTIME_INODES: as many as fit the request frame.
    public static let maxAmtimeEntries = requestFrame / 12
    /// Chunkservers listed in one chunk location reply (MooseFS lists at most 100 copies).
    public static let maxChunkLocations = 100
    /// ACL entries (named users plus named groups) in one SETFACL or GETFACL.
    public static let maxAclEntries = 4_096
    /// Storage class entries in one GETSCLASS reply: the counts are a byte.
    public static let maxStorageClassEntries = 255
    /// Trash time entries in one GETTRASHTIME reply, files and directories each.
    public static let maxTrashTimeEntries = 65_536
    /// Bytes of the random challenge a GETRANDOM register gets.
    public static let challengeLength = 32
    /// Bytes of an MD5 passcode.
    public static let passcodeLength = 16
}
