/// One line of `mfsexports.cfg`: which clients may mount which directory, and what their
/// session gets. Defaults are MooseFS's: `readonly,maproot=999:999,mingoal=1,maxgoal=9,
/// mintrashtime=0,maxtrashtime=4294967295`.
public struct ExportRule: Hashable, Sendable {
    /// MooseFS's default root mapping, 999:999.
    public static let defaultRootMapping = IDMapping(uid: 999, gid: 999)

    /// The line in the exports file, for logs ("admitted by mfsexports.cfg:3").
    public var line: Int
    /// The client addresses the line admits.
    public var addresses: IPv4Range
    /// The directory it exports (`.` for the meta file system).
    public var directory: ExportDirectory
    /// `ro`/`readonly` (the default) or `rw`/`readwrite`.
    public var readOnly = true
    /// `alldirs`: clients may mount any directory below ``directory`` too.
    public var allDirectories = false
    /// `maproot=`: who root (uid 0) on the client acts as; uid 0 leaves root unmapped.
    public var rootMapping = ExportRule.defaultRootMapping
    /// `mapall=`: who every client user acts as, if set.
    public var allMapping: IDMapping?
    /// SHA-256 of `password=`, if the line needs one (see ``passwordDigest(_:)``).
    public var passwordDigest: [UInt8]?
    /// `password=` itself: MooseFS's own client dialect (9421) proves it with an MD5 challenge,
    /// which needs `MD5(password)`, not the SHA-256 above (the file holds it in the clear anyway).
    public var password: [UInt8]?
    /// `minversion=`: the oldest client version admitted, if set.
    public var minVersion: ExportVersion?
    /// `mingoal=`/`maxgoal=`: the goals (copies) clients may set, 1...9.
    public var minGoal: UInt8 = 1
    public var maxGoal: UInt8 = 9
    /// `mintrashtime=`/`maxtrashtime=`: the trash times clients may set, in seconds.
    public var minTrashTimeSeconds: UInt32 = 0
    public var maxTrashTimeSeconds: UInt32 = .max
    /// `ignoregid`: group permissions are not checked by the master (for supplementary groups).
    public var ignoreGID = false
    /// `dynamicip`: a session may reconnect from another address.
    public var dynamicIP = false
    /// `admin`: administrative operations (quotas) are allowed.
    public var admin = false

    public init(line: Int, addresses: IPv4Range, directory: ExportDirectory) {
        self.line = line
        self.addresses = addresses
        self.directory = directory
    }

    /// Whether a client must prove the password.
    public var requiresPassword: Bool { passwordDigest != nil }

    /// Whether root on the client loses its powers (``rootMapping`` is not uid 0).
    public var rootIsMapped: Bool { rootMapping.uid != 0 }

    /// Whether the line covers this address and directory, and this client version when one is
    /// given (without one, `minversion=` is not checked). Passwords are not looked at.
    public func covers(address: IPv4Address, directory requested: ExportDirectory, clientVersion: ExportVersion?)
        -> Bool
    {
        guard addresses.contains(address), directory.admits(requested, allDirectories: allDirectories) else {
            return false
        }
        if let minVersion, let clientVersion, clientVersion < minVersion { return false }
        return true
    }

    /// Whether `proof` answers its challenge with this line's password; true when the line
    /// needs none.
    public func accepts(_ proof: PasswordProof?) -> Bool {
        guard let passwordDigest else { return true }
        return proof?.verifies(secretDigest: passwordDigest) ?? false
    }
}
