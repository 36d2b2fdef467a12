/// An advertisement the shell must send: the packet and the IPv4 addresses its checksum covers.
public struct VRRPAdvertisement: Hashable, Sendable {
    public var packet: VRRPPacket
    /// Our primary address; the IPv4 source of the datagram.
    public var source: IPv4Address
    /// 224.0.0.18; the IPv4 destination of the datagram.
    public var destination: IPv4Address

    public init(packet: VRRPPacket, source: IPv4Address, destination: IPv4Address = .vrrpMulticastGroup) {
        self.packet = packet
        self.source = source
        self.destination = destination
    }

    /// The advertised priority; 0 when resigning.
    public var priority: UInt8 { packet.priority }

    /// The IPv4 payload, checksum included.
    public func encoded() -> [UInt8] { packet.encoded(source: source, destination: destination) }
}
