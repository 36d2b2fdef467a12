/// Looks up user and group names for `maproot=` and `mapall=`. The module is pure and has no
/// passwd database, so the daemon passes one backed by `getpwnam_r`/`getgrnam_r`/`getpwuid_r`;
/// without one, only numeric ids are accepted (and a uid other than 0 needs its `:GID`).
public struct IdentityResolver: Sendable {
    /// A user name's uid and primary group, or nil if there is no such user.
    public var user: @Sendable (String) -> IDMapping?
    /// A group name's gid, or nil if there is no such group.
    public var group: @Sendable (String) -> UInt32?
    /// A uid's primary group, or nil if there is no such user: for `maproot=UID` without a group.
    public var primaryGroup: @Sendable (UInt32) -> UInt32?

    public init(
        user: @escaping @Sendable (String) -> IDMapping?,
        group: @escaping @Sendable (String) -> UInt32?,
        primaryGroup: @escaping @Sendable (UInt32) -> UInt32?
    ) {
        self.user = user
        self.group = group
        self.primaryGroup = primaryGroup
    }
}
