/// The process settings every MooseFS 3.0 daemon's configuration file has and no swift-mfs daemon
/// uses (the service manager owns them), with the reason each is logged with at start when a file
/// sets it: a MooseFS file then loads unchanged (`ConfigSchema`'s unused keys).
public enum MooseFSProcessKeys {
    /// Key to reason, naming `daemon` ("master", "metalogger").
    public static func unused(by daemon: String) -> [String: String] {
        var reasons: [String: String] = [:]
        func note(_ keys: [String], _ reason: String) { for key in keys { reasons[key] = reason } }
        note(["WORKING_USER", "WORKING_GROUP"], "the \(daemon) runs as the user that starts it (systemd's User=, Group=)")
        note(["SYSLOG_IDENT"], "the \(daemon) logs to standard error (the journal names the unit)")
        note(["LOCK_MEMORY"], "memory is not locked")
        note(["LIMIT_GLIBC_MALLOC_ARENAS"], "glibc's malloc arenas are left at their default")
        note(["DISABLE_OOM_KILLER"], "the OOM score is left to the service manager (systemd's OOMScoreAdjust=)")
        note(["NICE_LEVEL"], "the priority is left to the service manager (systemd's Nice=)")
        note(["FILE_UMASK"], "files are created with the process's umask")
        return reasons
    }
}
