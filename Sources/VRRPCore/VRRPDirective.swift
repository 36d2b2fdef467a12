/// What the shell must do after `VRRPInstance.handle(_:now:)`. The core decides; the shell
/// only performs I/O. The order of the array is part of the contract.
///
/// ## The shell's duties
///
/// 1. **Order.** Perform the directives of one `handle` call in array order, each finished
///    before the next starts. In particular the addresses are gone (`removeAddresses`) before
///    `runDemoteHook` starts, and `addAddresses` is done before `sendGratuitousARP`.
/// 2. **Hooks.** Run hooks one at a time in the order asked (a queue): a demote hook asked for
///    while a promote hook is still running starts after it ends. Give the promote hook a
///    timeout and report expiry as `.failure`; report every promote hook exactly once with
///    `VRRPEvent.promoteHookFinished` and the id it was asked with, even if the core has moved
///    on (it ignores stale ids). The demote hook has no result event: log its failure.
/// 3. **Timers.** Keep at most one timer per `VRRPTimerKind`: `armTimer` replaces the armed one
///    of that kind, `cancelTimer` drops it. On expiry send `.timerFired` with the token given.
///    An expiry that slips through after a cancel or re-arm is harmless.
/// 4. **Advertisements.** Send `VRRPAdvertisement.encoded()` as the payload of an IPv4 datagram
///    with protocol 112 and TTL 255 from `source` to `destination` (RFC 5798 §5.1.1), e.g. a raw
///    socket with `IP_MULTICAST_TTL` 255 and `IP_MULTICAST_LOOP` off. A failed send is logged,
///    not reported: VRRP is built to survive lost advertisements.
/// 5. **Addresses.** Add or remove the addresses on the VRRP interface. Adding one that is
///    there or removing one that is absent is a success (a starting instance removes what a
///    crashed predecessor left, DESIGN §7.5). A failure is logged and counted.
/// 6. **Gratuitous ARP.** Announce each address with our MAC address (RFC 5798 §6.4.2).
/// 7. **Diagnostics.** Count `rejected` under `VRRPRejection.label` and log it at a limited
///    rate (per source and reason, as keepalived does) when `shouldLog`; log
///    `addressListMismatch` the same way; log every `transition` with its reason.
public enum VRRPDirective: Hashable, Sendable {
    /// The state changed; always the first directive of the call that changes it.
    case transition(VRRPTransition)
    /// Send this advertisement now.
    case sendAdvertisement(VRRPAdvertisement)
    /// Start the promote hook (DESIGN §7.2) and report its end with this id. The virtual
    /// addresses are added only after it succeeds.
    case runPromoteHook(VRRPPromotionID)
    /// Add these addresses to the interface.
    case addAddresses([IPv4Address])
    /// Send a gratuitous ARP for each of these addresses.
    case sendGratuitousARP([IPv4Address])
    /// Remove these addresses from the interface.
    case removeAddresses([IPv4Address])
    /// Start the demote hook (DESIGN §7.6: the local master stops accepting writes).
    case runDemoteHook
    /// Arm (or re-arm) the timer of `timer.kind` to fire at `deadline`.
    case armTimer(VRRPTimer, deadline: VRRPInstant)
    /// Cancel the timer of this kind.
    case cancelTimer(VRRPTimerKind)
    /// A received packet was discarded; count and log it (rate-limited).
    case rejected(VRRPRejection)
    /// An accepted advertisement lists other addresses than ours: a misconfiguration to log
    /// (RFC 5798 §7.1 "MAY verify ... SHOULD log"). The advertisement is still processed, as
    /// keepalived does, because refusing it could make two routers master at once.
    case addressListMismatch(source: IPv4Address, advertised: [IPv4Address])
}
