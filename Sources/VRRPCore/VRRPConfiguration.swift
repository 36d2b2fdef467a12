/// The settings of one virtual router (RFC 5798 §6.1), checked once when built so the core never
/// meets a value the wire cannot carry.
public struct VRRPConfiguration: Hashable, Sendable {
    /// VRID, 1…255 (RFC 5798 §5.2.3).
    public let virtualRouterID: UInt8
    /// The configured priority, 1…255; 255 makes this router the address owner (§5.2.4). The
    /// instance may run at another priority for a while (`VRRPEvent.priorityChanged`).
    public let priority: UInt8
    /// Advertisement_Interval (§6.1): 10 ms … 40.95 s in whole centiseconds.
    public let advertisementInterval: Duration
    /// The virtual addresses, in the order they are advertised and added; 1…255, no duplicates.
    public let virtualAddresses: [IPv4Address]
    /// This router's own address on the VRRP interface: the source of its advertisements and its
    /// tie-breaker when two masters have the same priority (§6.4.3).
    public let primaryAddress: IPv4Address
    /// Preempt_Mode (§6.1): whether a higher-priority backup takes over from a lower-priority
    /// master. The address owner always preempts, whatever this says.
    public let preemptMode: Bool
    /// How long a backup keeps accepting a lower-priority master before preempting it
    /// (0 … 1000 s; see `VRRPInstance` for the exact rule). Not in RFC 5798; keepalived's
    /// `preempt_delay`.
    public let preemptDelay: Duration

    /// Builds a configuration, refusing anything outside the limits in `VRRPLimits`.
    ///
    /// Integer arguments are `Int` so that a value read from a file (VRID 256, priority 0)
    /// reaches this check and gets a clear error instead of trapping in a narrowing conversion.
    public init(
        virtualRouterID: Int,
        priority: Int,
        advertisementInterval: Duration,
        virtualAddresses: [IPv4Address],
        primaryAddress: IPv4Address,
        preemptMode: Bool = true,
        preemptDelay: Duration = .zero
    ) throws(VRRPConfigurationError) {
        guard VRRPLimits.virtualRouterIDs.contains(virtualRouterID) else {
            throw .virtualRouterIDOutOfRange(virtualRouterID)
        }
        guard VRRPLimits.configuredPriorities.contains(priority) else { throw .priorityOutOfRange(priority) }
        try Self.checkInterval(advertisementInterval)
        try Self.checkAddresses(virtualAddresses, primaryAddress: primaryAddress)
        guard preemptDelay >= .zero, preemptDelay <= VRRPLimits.maximumPreemptDelay else {
            throw .preemptDelayOutOfRange(preemptDelay)
        }
        self.virtualRouterID = UInt8(virtualRouterID)
        self.priority = UInt8(priority)
        self.advertisementInterval = advertisementInterval
        self.virtualAddresses = virtualAddresses
        self.primaryAddress = primaryAddress
        self.preemptMode = preemptMode
        self.preemptDelay = preemptDelay
    }

    /// Advertisement_Interval as it goes on the wire.
    public var advertisementIntervalCentiseconds: UInt16 {
        // The init checked that the interval is a whole number of centiseconds within 12 bits.
        UInt16(advertisementInterval.exactCentiseconds!)
    }

    /// Whether this router owns the virtual addresses (priority 255, §5.2.4).
    public var isAddressOwner: Bool { priority == VRRPLimits.addressOwnerPriority }

    /// Whether this router takes the role from a lower-priority master: Preempt_Mode, or the
    /// address owner, which always preempts (§6.1).
    public var preempts: Bool { preemptMode || isAddressOwner }

    private static func checkInterval(_ interval: Duration) throws(VRRPConfigurationError) {
        guard interval >= VRRPLimits.minimumAdvertisementInterval,
            interval <= VRRPLimits.maximumAdvertisementInterval
        else { throw .advertisementIntervalOutOfRange(interval) }
        guard interval.exactCentiseconds != nil else { throw .advertisementIntervalNotWholeCentiseconds(interval) }
    }

    private static func checkAddresses(
        _ addresses: [IPv4Address], primaryAddress: IPv4Address
    ) throws(VRRPConfigurationError) {
        guard primaryAddress.isUsableHostAddress else { throw .unusablePrimaryAddress(primaryAddress) }
        guard !addresses.isEmpty else { throw .noVirtualAddress }
        guard addresses.count <= VRRPLimits.maximumAddressCount else {
            throw .tooManyVirtualAddresses(addresses.count)
        }
        var seen: Set<IPv4Address> = []
        for address in addresses {
            guard address.isUsableHostAddress else { throw .unusableVirtualAddress(address) }
            guard seen.insert(address).inserted else { throw .duplicateVirtualAddress(address) }
        }
    }
}
