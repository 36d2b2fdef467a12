/// The named limits of VRRPv3 for IPv4 (RFC 5798) and of this implementation. Configuration,
/// codec and tests refer to these instead of repeating the numbers.
public enum VRRPLimits {
    /// Virtual Router IDs: one octet, 0 is not a valid VRID (RFC 5798 §5.2.3).
    public static let virtualRouterIDs: ClosedRange<Int> = 1...255

    /// Priorities a router may be configured with: 0 is reserved for "the master resigns" and
    /// 255 means "address owner" (RFC 5798 §5.2.4).
    public static let configuredPriorities: ClosedRange<Int> = 1...255

    /// The priority of the router that owns the virtual addresses (RFC 5798 §5.2.4).
    public static let addressOwnerPriority: UInt8 = 255

    /// The priority a master advertises when it gives up the role (RFC 5798 §5.2.4).
    public static let resignPriority: UInt8 = 0

    /// Advertisement intervals on the wire: 12 bits of centiseconds, 0 excluded (RFC 5798 §5.2.7).
    public static let advertisementIntervalCentiseconds: ClosedRange<UInt16> = 1...0x0FFF

    /// The smallest advertisement interval, 10 ms (1 centisecond).
    public static let minimumAdvertisementInterval: Duration = .milliseconds(10)

    /// The largest advertisement interval, 40.95 s (4095 centiseconds).
    public static let maximumAdvertisementInterval: Duration = .milliseconds(40_950)

    /// Virtual addresses per advertisement: the count field is one octet (RFC 5798 §5.2.5) and
    /// 255 addresses make an 1048-byte IPv4 datagram, which fits any Ethernet MTU.
    public static let maximumAddressCount = 255

    /// The longest preempt delay accepted, as keepalived's `preempt_delay` (0…1000 s).
    public static let maximumPreemptDelay: Duration = .seconds(1000)

    /// After a second failed promote hook in a row, this router does not try to become master
    /// again (neither preempting nor on silence) for this long, doubling with each further
    /// failure up to `maximumPromoteBackoff`: a hook that keeps failing cannot make the VIP
    /// flap between hosts every Master_Down_Interval. A successful promotion resets it.
    public static let firstPromoteBackoff: Duration = .seconds(2)
    public static let maximumPromoteBackoff: Duration = .seconds(60)
    /// The exit status by which a promote hook says "not yet, ask again" (EX_TEMPFAIL).
    public static let notYetExitStatus: Int32 = 75
    /// "Not yet" answers in a row after which each further one counts as a failed hook (and
    /// backs off): a hook that never gets past "not yet" must not keep the router flapping.
    public static let notYetBeforeBackoff = 10
}
