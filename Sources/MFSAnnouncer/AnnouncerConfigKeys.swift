/// One key of `mfsannouncer.cfg`: its name, its default and what it means. The table below is
/// the single source of the keys: the loader refuses any other key, and the sample file
/// (`config/mfsannouncer.cfg.sample`) is rendered from it (a test keeps the two equal). It is
/// shaped like a declared schema so that moving to the shared `MFSConfig` parser is a
/// translation of this table, not a rewrite.
public struct AnnouncerConfigKey: Hashable, Sendable {
    public var name: String
    /// The value used when the key is absent; nil means the key is required.
    public var defaultValue: String?
    /// What to show in the sample for a required key.
    public var example: String?
    /// One or more sentences, rendered as `##` comment lines.
    public var help: [String]

    init(_ name: String, default defaultValue: String?, example: String? = nil, _ help: String...) {
        self.name = name
        self.defaultValue = defaultValue
        self.example = example
        self.help = help
    }
}

/// The keys of `mfsannouncer.cfg`, in the order of the sample file.
public enum AnnouncerConfigKeys {
    public static let all: [AnnouncerConfigKey] = [
        AnnouncerConfigKey(
            "INTERFACE", default: nil, example: "eth0",
            "Interface that VRRP runs on and that the virtual IPs are added to (required). Its first IPv4",
            "address that is not a virtual IP is this host's primary address: the source of its",
            "advertisements and its tie-breaker at equal priority (RFC 5798 §6.4.3)."),
        AnnouncerConfigKey(
            "VRID", default: nil, example: "51",
            "Virtual router ID, 1-255 (required); the same on every host of this virtual router."),
        AnnouncerConfigKey(
            "PRIORITY", default: "100",
            "Priority 1-255; the highest priority holds the virtual IPs. 255 means address owner."),
        AnnouncerConfigKey(
            "ADVERT_INTERVAL_MS", default: "1000",
            "Advertisement interval in milliseconds, a multiple of 10 within 10-40950. A backup takes",
            "over after 3 intervals plus a skew of (256 - PRIORITY)/256 of an interval. Below about",
            "100 ms a scheduling stall on a busy host can cause a false takeover (DESIGN §7.5)."),
        AnnouncerConfigKey(
            "VIRTUAL_IPS", default: nil, example: "169.254.100.1/32",
            "The virtual IPv4 addresses as ADDR/PREFIX, comma-separated (required)."),
        AnnouncerConfigKey(
            "PREEMPT", default: "1",
            "1: a higher-priority backup takes the virtual IPs from a lower-priority master; 0: it",
            "waits until the master fails (RFC 5798 Preempt_Mode; the address owner always preempts).",
            "With 0, a master whose carrier was gone for Master_Down_Interval or longer comes back as a",
            "backup, as after a restart. An HA pair of masters runs 0 on both hosts."),
        AnnouncerConfigKey(
            "PREEMPT_DELAY", default: "0",
            "Seconds (decimals allowed, up to 1000) a backup that would preempt first accepts the",
            "lower-priority master (keepalived's preempt_delay)."),
        AnnouncerConfigKey(
            "UNICAST_PEERS", default: "",
            "Comma-separated IPv4 addresses of the other hosts, for networks without multicast:",
            "advertisements are sent to each of them instead of 224.0.0.18, and only theirs are accepted."),
        AnnouncerConfigKey(
            "PROMOTE_HOOK", default: "",
            "Shell command run (with /bin/sh -c, in its own process group) when this host becomes",
            "master, before the virtual IPs are added; a non-zero exit or a timeout makes the announcer",
            "resign. Empty: none. Environment: MFS_ANNOUNCER_EVENT=promote, MFS_ANNOUNCER_VRID,",
            "MFS_ANNOUNCER_INTERFACE, MFS_ANNOUNCER_VIRTUAL_IPS, MFS_ANNOUNCER_REASON."),
        AnnouncerConfigKey(
            "DEMOTE_HOOK", default: "",
            "Shell command run when this host stops being master, after the virtual IPs are removed.",
            "Empty: none. Same environment, with MFS_ANNOUNCER_EVENT=demote."),
        AnnouncerConfigKey(
            "HOOK_TIMEOUT", default: "10",
            "Seconds (decimals allowed; above 0, at most 3600) a hook may run; then its process group is killed and it failed."),
        AnnouncerConfigKey(
            "TRACK_MASTER", default: "0",
            "0: off. 1: poll the local master's http://127.0.0.1:9428/status. Or a URL",
            "http://IPV4:PORT/PATH. A failed request, an answer slower than 200 ms or \"healthy\": false",
            "counts as unhealthy (DESIGN §1); while unhealthy the announcer runs at priority 0 (a master",
            "resigns, a backup never takes over). It stands for master only after the first answer.",
            "While this host holds the virtual IPs, a master that says role follower or fenced counts as",
            "unhealthy too (it was demoted, or learned that a newer epoch began elsewhere)."),
        AnnouncerConfigKey(
            "TRACK_MASTER_INTERVAL_MS", default: "500",
            "Milliseconds between two polls of TRACK_MASTER (50-60000)."),
        AnnouncerConfigKey(
            "TRACK_MASTER_FALL", default: "2",
            "Consecutive unhealthy answers before the announcer resigns (1-100)."),
        AnnouncerConfigKey(
            "TRACK_MASTER_RISE", default: "2",
            "Consecutive healthy answers before it stands for master again (1-100)."),
        AnnouncerConfigKey(
            "GARP_COUNT", default: "3",
            "Gratuitous ARPs sent for each virtual IP after taking it, and again when a healed split",
            "brain is detected (1-100)."),
        AnnouncerConfigKey(
            "GARP_INTERVAL_MS", default: "100",
            "Milliseconds between those gratuitous ARPs (0-10000); the first goes at once."),
        AnnouncerConfigKey(
            "STATUS_FILE", default: "/run/mfs/mfsannouncer.status",
            "Where the state, the recent transitions with their reasons and the counters are written",
            "(JSON, replaced atomically); `mfsannouncer --status` reads it. A lock file beside it",
            "(STATUS_FILE.lock) keeps a second announcer with the same status file from starting."),
    ]

    /// The key named `name`, if it is one.
    public static func key(named name: String) -> AnnouncerConfigKey? { all.first { $0.name == name } }

    /// `config/mfsannouncer.cfg.sample`: every key commented out with its default, MooseFS style.
    public static func renderSample() -> String {
        var text = """
            # mfsannouncer.cfg: the VRRPv3 announcer that moves the master's virtual IP (docs/ANNOUNCER.md).
            # KEY = VALUE lines; '#' starts a comment. Commented keys show their defaults.

            """
        for key in all {
            text += "\n"
            for line in key.help { text += "## \(line)\n" }
            if let value = key.defaultValue {
                text += value.isEmpty ? "# \(key.name) =\n" : "# \(key.name) = \(value)\n"
            } else {
                text += "\(key.name) = \(key.example ?? "")\n"
            }
        }
        return text
    }
}
