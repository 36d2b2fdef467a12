import VRRPCore

#if canImport(Glibc)
    import Glibc
#endif

/// Looks up network interfaces; a seam so that configuration checks run without the real
/// interfaces in unit tests.
public protocol InterfaceDirectory {
    /// The interface's index, or nil if there is no such interface.
    func index(of interface: String) -> Int32?
    /// The interface's IPv4 addresses in the kernel's order (the primary first).
    func ipv4Addresses(of interface: String) -> [IPv4Address]
}

/// The interfaces of the network namespace this process runs in.
public struct SystemInterfaceDirectory: InterfaceDirectory {
    public init() {}

    public func index(of interface: String) -> Int32? {
        let index = if_nametoindex(interface)
        return index == 0 ? nil : Int32(index)
    }

    public func ipv4Addresses(of interface: String) -> [IPv4Address] {
        var addresses: [IPv4Address] = []
        forEachEntry(of: interface) { entry in
            guard let socketAddress = entry.ifa_addr, socketAddress.pointee.sa_family == sa_family_t(AF_INET) else { return }
            let address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            addresses.append(IPv4Address(rawValue: UInt32(bigEndian: address.s_addr)))
        }
        return addresses
    }

    /// Whether the interface is up with carrier (IFF_RUNNING) now; nil when it is not listed.
    public func isRunning(_ interface: String) -> Bool? {
        var running: Bool?
        forEachEntry(of: interface) { running = $0.ifa_flags & LinkMonitor.flagRunning != 0 }
        return running
    }

    /// `getifaddrs`'s entries of `interface` (one per address family it has), in order.
    private func forEachEntry(of interface: String, _ body: (ifaddrs) -> Void) {
        var list: UnsafeMutablePointer<ifaddrs>? = nil
        guard getifaddrs(&list) == 0 else { return }
        defer { freeifaddrs(list) }
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let name = entry.pointee.ifa_name, String(cString: name) == interface else { continue }
            body(entry.pointee)
        }
    }
}
