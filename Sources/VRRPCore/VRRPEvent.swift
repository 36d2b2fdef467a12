/// Everything that can happen to a virtual router. The shell turns sockets, timers, hook
/// processes and health checks into these and passes each to `VRRPInstance.handle(_:now:)`.
public enum VRRPEvent: Hashable, Sendable {
    /// Startup (RFC 5798 §6.4.1). Ignored unless the instance is in Initialize.
    case start

    /// A whole IPv4 datagram as a raw socket for protocol 112 delivers it on Linux (header
    /// included). The core parses the header, then checks and decodes the advertisement.
    case datagramReceived([UInt8])

    /// A VRRP message (the IPv4 payload) with the header fields the shell read elsewhere
    /// (e.g. the TTL from `IP_RECVTTL`). The destination is needed for the checksum.
    case packetReceived([UInt8], source: IPv4Address, destination: IPv4Address, ttl: UInt8)

    /// An advertisement the shell already decoded with `VRRPPacket.decode`; the core still
    /// applies the checks that need its state (TTL, VRID, own address, address list).
    case advertisementReceived(VRRPPacket, source: IPv4Address, ttl: UInt8)

    /// A timer armed by `VRRPDirective.armTimer` expired. Stale timers are ignored.
    case timerFired(VRRPTimer)

    /// The promote hook asked for by `VRRPDirective.runPromoteHook` ended.
    case promoteHookFinished(VRRPPromotionID, VRRPHookResult)

    /// The priority to run at from now on. 0 means "must not be master": a master resigns
    /// (advertises priority 0 and becomes backup) and a backup never takes over until the
    /// priority is raised again. TRACK_MASTER sends 0 when the local master turns unhealthy
    /// (DESIGN §7.6) and the configured priority when it is healthy again.
    case priorityChanged(UInt8)

    /// The interface lost its carrier (`up: false`) or got it back. Not in RFC 5798, which
    /// leaves interface state to the implementation (see `VRRPInstance`, "Carrier").
    case carrierChanged(up: Bool)

    /// Shutdown (RFC 5798 §6.4.2, §6.4.3): a master resigns with a priority-0 advertisement.
    case shutdown
}
