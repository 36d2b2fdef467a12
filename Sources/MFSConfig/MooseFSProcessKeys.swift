/// The process settings every MooseFS 3.0 daemon's configuration file has and no swift-mfs daemon
/// uses (the service manager owns them), with the reason each is logged with at start when a file
/// sets it: a MooseFS file then loads unchanged (`ConfigSchema`'s unused keys).
public enum MooseFSProcessKeys {
    /// Key to reason: the process keys, naming `daemon` ("master", "metalogger"), then the
    /// daemon's own unused keys (`others`: keys and the reason they share).
    public static func unused(by daemon: String, _ others: [(keys: [String], reason: String)]) -> [String: String] {
        let process: [(keys: [String], reason: String)] = [
            (["WORKING_USER", "WORKING_GROUP"], "the \(daemon) runs as the user that starts it (systemd's User=, Group=)"),
            (["SYSLOG_IDENT"], "the \(daemon) logs to standard error (the journal names the unit)"),
            (["LOCK_MEMORY"], "memory is not locked"),
            (["LIMIT_GLIBC_MALLOC_ARENAS"], "glibc's malloc arenas are left at their default"),
            (["DISABLE_OOM_KILLER"], "the OOM score is left to the service manager (systemd's OOMScoreAdjust=)"),
            (["NICE_LEVEL"], "the priority is left to the service manager (systemd's Nice=)"),
            (["FILE_UMASK"], "files are created with the process's umask"),
        ]
        var reasons: [String: String] = [:]
        for (keys, reason) in process + others {
            for key in keys { reasons[key] = reason }
        }
        return reasons
    }
}
