import MFSCore

/// The named limits of the changelog text format. The formatter checks them with `precondition`
/// (a record past a limit is a programmer error: the namespace refuses such requests first); the
/// parser reports them as `ChangelogParseError`s.
public enum ChangelogLimits {
    /// The longest symlink target, in bytes (PATH_MAX, as Linux allows).
    public static let maxSymlinkTargetLength = 4096

    /// The longest session info (who opened the session: address, mount point, version), in bytes.
    public static let maxSessionInfoLength = 1024

    /// The most members a `VOTERS` change lists (DESIGN §7.2): far more than any real cluster
    /// (a few masters and metaloggers), small enough that the line stays short (1,277 bytes).
    public static let maxVoters = 64

    /// The largest `k` (`SYNC_REPLICAS`) of a `VOTERS` change; the metadata file keeps it in a
    /// byte.
    public static let maxSyncReplicas = 255

    /// The longest line, in bytes, without its `\n`: exactly the longest legal record, so any
    /// longer line is corrupt. The arithmetic, worst case of every part:
    ///
    ///     VERSION ": " TIME "|"             20 + 2 + 10 + 1                        =     33
    ///     SYMLINK(parent,name,target,uid,gid) with every byte escaped (3 bytes each):
    ///       "SYMLINK(" 10 "," 3×255 "," 3×4096 "," 10 "," 10 ")"
    ///                                        8 + 10 + 1 + 765 + 1 + 12288 + 1 + 10 + 1 + 10 + 1
    ///                                                                              = 13096
    ///     ":" RESULT                        1 + 20                                 =     21
    ///     "|r=" SESSION "." REQUEST         3 + 10 + 1 + 20                        =     34
    ///                                                                       total    13184
    ///
    /// The other long records are shorter: `RENAME` with two fully escaped 255-byte names is
    /// 7 + 10 + 1 + 765 + 1 + 10 + 1 + 765 + 1 = 1561 bytes of operation, and `SESSION` with
    /// 1024 escaped bytes 8 + 3072 + 1 = 3081, and `VOTERS` with 64 members
    /// 7 + 3 + 1 + 16 + 1 + (64 × 19 − 1) + 1 = 1244. A test formats the worst case and checks it
    /// is exactly this long.
    public static let maxLineLength =
        linePrefixMaxLength + symlinkOperationMaxLength + resultMaxLength + requestTagMaxLength

    /// `VERSION: TIME|`: a UInt64, `": "`, a UInt32, `"|"`.
    static let linePrefixMaxLength = maxUInt64Digits + 2 + maxUInt32Digits + 1
    /// `SYMLINK(parent,name,target,uid,gid)`, every byte string byte escaped.
    static let symlinkOperationMaxLength =
        8 /* "SYMLINK(" */ + maxUInt32Digits + 1 + 3 * EntryName.maxLength + 1
        + 3 * maxSymlinkTargetLength + 1 + maxUInt32Digits + 1 + maxUInt32Digits + 1
    /// `:RESULT`.
    static let resultMaxLength = 1 + maxUInt64Digits
    /// `|r=SESSION.REQUEST`.
    static let requestTagMaxLength = 3 + maxUInt32Digits + 1 + maxUInt64Digits

    /// Digits of `UInt64.max` (18446744073709551615) and `UInt32.max` (4294967295).
    static let maxUInt64Digits = 20
    static let maxUInt32Digits = 10
}
