import VRRPCore

#if canImport(Glibc)
    import Glibc
#endif

/// The real I/O: the VRRP raw socket, libnl-3 for addresses, AF_PACKET for ARP, posix_spawn
/// for hooks.
public final class SystemAnnouncerIO: AnnouncerIO {
    let vrrp: VRRPSocket
    let arp: ARPSocket
    let netlink: NetlinkAddressController
    let interfaceIndex: Int32

    public init(settings: AnnouncerSettings) throws(AnnouncerIOError) {
        interfaceIndex = settings.interfaceIndex
        netlink = try NetlinkAddressController()
        arp = try ARPSocket(interfaceIndex: settings.interfaceIndex)
        vrrp = try VRRPSocket(
            interface: settings.interface, interfaceIndex: settings.interfaceIndex,
            primaryAddress: settings.primaryAddress, unicastPeers: settings.unicastPeers)
    }

    /// The raw socket's descriptor, for the loop's poll.
    public var vrrpDescriptor: Int32 { vrrp.fd }

    /// The next received datagram, if any.
    public func receive() -> (bytes: [UInt8], source: IPv4Address)? { vrrp.receive() }

    public func sendAdvertisement(_ advertisement: VRRPAdvertisement) throws(AnnouncerIOError) {
        try vrrp.send(advertisement)
    }

    public func addAddress(_ address: VirtualIPAddress) throws(AnnouncerIOError) {
        try netlink.add(address, interfaceIndex: interfaceIndex)
    }

    public func removeAddress(_ address: VirtualIPAddress) throws(AnnouncerIOError) {
        try netlink.remove(address.address, interfaceIndex: interfaceIndex)
    }

    public func sendGratuitousARP(for address: IPv4Address) throws(AnnouncerIOError) {
        try arp.announce(address)
    }

    public func startHook(_ command: String, environment: [String: String]) throws(AnnouncerIOError) -> Int32 {
        do {
            return try HookLauncher.start(command, environment: environment)
        } catch {
            throw AnnouncerIOError("\(error)")
        }
    }

    public func killHookProcessGroup(_ processID: Int32) {
        _ = kill(-processID, SIGKILL)
    }
}
