import CNetlink

#if canImport(Glibc)
    import Glibc
#endif

/// Watches the VRRP interface's operational state (RTM_NEWLINK on a NETLINK_ROUTE socket
/// joined to RTMGRP_LINK), for the core's carrier rules (`VRRPInstance`, "Carrier") and so the
/// shell can re-announce the addresses when the link comes back: neighbours that used another
/// router meanwhile would otherwise keep its MAC address (DESIGN §7.5). A separate plain
/// socket, not libnl's: it only reads, and the libnl socket stays the one that changes
/// addresses.
final class LinkMonitor {
    static let flagRunning = UInt32(IFF_RUNNING)  // up, with carrier

    let descriptor: Int32
    let interfaceIndex: Int32
    /// The interface's state as last seen: read at start (IFF_RUNNING, `getifaddrs`), then
    /// from the kernel's link messages.
    private(set) var running: Bool

    init(interfaceIndex: Int32, name: String) throws(SystemCallError) {
        self.interfaceIndex = interfaceIndex
        // Up if the flags cannot be read: the interface existed and had its address when the
        // configuration was checked.
        running = SystemInterfaceDirectory().isRunning(name) ?? true
        let type = Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        descriptor = socket(AF_NETLINK, type, NETLINK_ROUTE)
        guard descriptor >= 0 else { throw SystemCallError("netlink socket") }
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        address.nl_groups = UInt32(RTMGRP_LINK)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_nl>.size)) }
        }
        guard bound == 0 else {
            let error = SystemCallError("bind netlink RTMGRP_LINK")
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Reads the pending link messages; returns the interface's new state when it changed.
    func readChanges() -> Bool? {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        var changed: Bool? = nil
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            for state in Self.linkStates(in: buffer[..<count], interfaceIndex: interfaceIndex) where state != running {
                running = state
                changed = state
            }
        }
        return changed
    }

    /// The IFF_RUNNING bit of each RTM_NEWLINK for `interfaceIndex` in a netlink datagram:
    /// nlmsghdr (len u32, type u16, flags u16, seq u32, pid u32), then ifinfomsg (family u8,
    /// pad u8, type u16, index i32, flags u32, change u32), host byte order.
    static func linkStates(in bytes: ArraySlice<UInt8>, interfaceIndex: Int32) -> [Bool] {
        var states: [Bool] = []
        var offset = bytes.startIndex
        while offset + 32 <= bytes.endIndex {
            let length = Int(word32(bytes, offset))
            let type = UInt16(bytes[offset + 4]) | UInt16(bytes[offset + 5]) << 8
            guard length >= 16, offset + length <= bytes.endIndex else { break }
            if type == UInt16(RTM_NEWLINK), Int32(bitPattern: word32(bytes, offset + 20)) == interfaceIndex {
                states.append(word32(bytes, offset + 24) & flagRunning != 0)
            }
            offset += (length + 3) & ~3
        }
        return states
    }

    private static func word32(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
