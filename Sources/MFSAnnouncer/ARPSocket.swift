import CNetlink
import VRRPCore

#if canImport(Glibc)
    import Glibc
#endif

/// Gratuitous ARP from an AF_PACKET socket (RFC 5798 §6.4.2 "broadcast a gratuitous ARP
/// request"; RFC 5227 §3 announcement): an ARP request whose sender and target protocol
/// addresses are both the virtual IP, from our MAC address to the broadcast address. Peers
/// update an existing entry; with `arp_accept = 1` they also create one (DESIGN §11).
final class ARPSocket {
    static let etherTypeARP: UInt16 = 0x0806

    let fd: Int32
    let interfaceIndex: Int32

    init(interfaceIndex: Int32) throws(AnnouncerIOError) {
        self.interfaceIndex = interfaceIndex
        // Protocol 0: this socket only sends; it receives nothing.
        fd = socket(AF_PACKET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw AnnouncerIOError("\(SystemCallError("AF_PACKET socket"))") }
        var address = sockaddr_ll()
        address.sll_family = UInt16(AF_PACKET)
        address.sll_ifindex = interfaceIndex
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_ll>.size)) }
        }
        guard bound == 0 else {
            let error = SystemCallError("bind AF_PACKET socket to interface \(interfaceIndex)")
            close(fd)
            throw AnnouncerIOError("\(error)")
        }
    }

    deinit { close(fd) }

    /// The interface's MAC address, read at each use (a bound packet socket reports it).
    func hardwareAddress() throws(AnnouncerIOError) -> [UInt8] {
        var address = sockaddr_ll()
        var length = socklen_t(MemoryLayout<sockaddr_ll>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw AnnouncerIOError("\(SystemCallError("getsockname AF_PACKET"))") }
        let bytes = withUnsafeBytes(of: address.sll_addr) { Array($0) }
        guard address.sll_halen == 6 else {
            throw AnnouncerIOError("interface has a \(address.sll_halen)-byte hardware address, not Ethernet")
        }
        return Array(bytes[..<6])
    }

    /// The 28-byte ARP request announcing `address` as ours (Ethernet, IPv4).
    static func announcement(of address: IPv4Address, from mac: [UInt8]) -> [UInt8] {
        precondition(mac.count == 6, "MAC of \(mac.count) bytes")
        // htype 1 (Ethernet), ptype 0x0800 (IPv4), hlen 6, plen 4, oper 1 (request).
        var packet: [UInt8] = [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]
        packet += mac + address.octets  // sender
        packet += [0, 0, 0, 0, 0, 0] + address.octets  // target: unknown MAC, same address
        return packet
    }

    func announce(_ address: IPv4Address) throws(AnnouncerIOError) {
        let packet = Self.announcement(of: address, from: try hardwareAddress())
        var destination = sockaddr_ll()
        destination.sll_family = UInt16(AF_PACKET)
        destination.sll_protocol = Self.etherTypeARP.bigEndian
        destination.sll_ifindex = interfaceIndex
        destination.sll_halen = 6
        destination.sll_addr = (0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0)
        let sent = packet.withUnsafeBytes { bytes in
            withUnsafePointer(to: &destination) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_ll>.size))
                }
            }
        }
        guard sent == packet.count else { throw AnnouncerIOError("\(SystemCallError("send gratuitous ARP"))") }
    }
}
