import MFSMetadata
import MFSWire

#if canImport(Glibc)
    import Glibc
#endif

/// The calling process's identity, as requests carry it.
enum ProcessCredentials {
    /// uid, gid and up to `WireLimits.maxGroups` supplementary groups (the primary group left
    /// out of them).
    static func current() -> Credentials {
        let uid = getuid()
        let gid = getgid()
        var groups = [gid_t](repeating: 0, count: 1_024)
        let count = getgroups(Int32(groups.count), &groups)
        let supplementary = count > 0 ? groups.prefix(Int(count)).filter { $0 != gid } : []
        return Credentials(uid: uid, gid: gid, groups: Array(supplementary.prefix(WireLimits.maxGroups)))
    }
}
