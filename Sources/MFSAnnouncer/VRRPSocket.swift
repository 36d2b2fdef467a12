import CNetlink
import VRRPCore

#if canImport(Glibc)
    import Glibc
#endif

/// The raw IPv4 socket for protocol 112 (RFC 5798 §5.1.1): bound to the interface, TTL 255,
/// joined to 224.0.0.18 on it (nothing arrives otherwise, DESIGN §11), multicast loop off so
/// our own advertisements do not come back. Each advertisement leaves with our primary
/// address as its source (IP_PKTINFO), which the checksum's pseudo-header covers.
final class VRRPSocket {
    /// The largest datagram read: a 60-byte IPv4 header and the longest VRRP message, rounded up.
    static let receiveBufferSize = 2048

    let fd: Int32
    let interfaceIndex: Int32
    let primaryAddress: IPv4Address
    let unicastPeers: [IPv4Address]
    private var buffer = [UInt8](repeating: 0, count: receiveBufferSize)

    init(interface: String, interfaceIndex: Int32, primaryAddress: IPv4Address, unicastPeers: [IPv4Address])
        throws(AnnouncerIOError)
    {
        self.interfaceIndex = interfaceIndex
        self.primaryAddress = primaryAddress
        self.unicastPeers = unicastPeers
        let type = Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        fd = socket(AF_INET, type, Int32(VRRPPacket.ipProtocolNumber))
        guard fd >= 0 else { throw AnnouncerIOError("\(SystemCallError("raw socket for IP protocol 112"))") }
        do {
            try configure(interface: interface)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    private func configure(interface: String) throws(AnnouncerIOError) {
        var name = Array(interface.utf8CString)
        try set(SOL_SOCKET, SO_BINDTODEVICE, &name, "SO_BINDTODEVICE \(interface)")
        // RFC 5798 §5.1.1.3: TTL 255 for multicast and unicast alike.
        var ttl: Int32 = Int32(VRRPPacket.requiredTTL)
        try set(Int32(IPPROTO_IP), IP_MULTICAST_TTL, &ttl, "IP_MULTICAST_TTL")
        try set(Int32(IPPROTO_IP), IP_TTL, &ttl, "IP_TTL")
        var loop: Int32 = 0
        try set(Int32(IPPROTO_IP), IP_MULTICAST_LOOP, &loop, "IP_MULTICAST_LOOP")
        // Internetwork control precedence, as routers (and keepalived) send VRRP.
        var tos: Int32 = 0xC0
        try set(Int32(IPPROTO_IP), IP_TOS, &tos, "IP_TOS")
        var request = ip_mreqn()
        request.imr_ifindex = interfaceIndex
        try set(Int32(IPPROTO_IP), IP_MULTICAST_IF, &request, "IP_MULTICAST_IF")
        if unicastPeers.isEmpty {
            request.imr_multiaddr.s_addr = IPv4Address.vrrpMulticastGroup.rawValue.bigEndian
            try set(Int32(IPPROTO_IP), IP_ADD_MEMBERSHIP, &request, "IP_ADD_MEMBERSHIP 224.0.0.18 on \(interface)")
        }
    }

    private func set<T>(_ level: Int32, _ option: Int32, _ value: inout T, _ what: String) throws(AnnouncerIOError) {
        let result = withUnsafePointer(to: &value) { pointer in
            setsockopt(fd, level, option, pointer, socklen_t(MemoryLayout<T>.size))
        }
        guard result == 0 else { throw AnnouncerIOError("\(SystemCallError("setsockopt \(what)"))") }
    }

    private func set(_ level: Int32, _ option: Int32, _ value: inout [CChar], _ what: String) throws(AnnouncerIOError) {
        let result = value.withUnsafeBufferPointer { setsockopt(fd, level, option, $0.baseAddress, socklen_t($0.count)) }
        guard result == 0 else { throw AnnouncerIOError("\(SystemCallError("setsockopt \(what)"))") }
    }

    /// Sends to 224.0.0.18, or to every unicast peer with the checksum computed for it.
    func send(_ advertisement: VRRPAdvertisement) throws(AnnouncerIOError) {
        if unicastPeers.isEmpty {
            try send(advertisement.encoded(), to: advertisement.destination)
            return
        }
        var failures: [String] = []
        for peer in unicastPeers {
            do {
                try send(advertisement.packet.encoded(source: advertisement.source, destination: peer), to: peer)
            } catch {
                failures.append("\(peer): \(error)")
            }
        }
        if !failures.isEmpty { throw AnnouncerIOError(failures.joined(separator: "; ")) }
    }

    private func send(_ payload: [UInt8], to destination: IPv4Address) throws(AnnouncerIOError) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = destination.rawValue.bigEndian
        var control = [UInt8](repeating: 0, count: mfs_pktinfo_control_length())
        var payload = payload
        let sent = payload.withUnsafeMutableBytes { payloadBytes in
            control.withUnsafeMutableBytes { controlBytes in
                withUnsafeMutablePointer(to: &address) { addressPointer in
                    var vector = iovec(iov_base: payloadBytes.baseAddress, iov_len: payloadBytes.count)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var message = msghdr()
                        message.msg_name = UnsafeMutableRawPointer(addressPointer)
                        message.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        message.msg_control = controlBytes.baseAddress
                        message.msg_controllen = controlBytes.count
                        mfs_set_pktinfo(&message, interfaceIndex, primaryAddress.rawValue.bigEndian)
                        return sendmsg(fd, &message, 0)
                    }
                }
            }
        }
        guard sent == payload.count else { throw AnnouncerIOError("\(SystemCallError("send to \(destination)"))") }
    }

    /// The next datagram (IPv4 header included) and its source, or nil when none is waiting.
    func receive() -> (bytes: [UInt8], source: IPv4Address)? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &length)
                }
            }
        }
        guard count > 0 else { return nil }
        return (Array(buffer[..<count]), IPv4Address(rawValue: UInt32(bigEndian: address.sin_addr.s_addr)))
    }
}
