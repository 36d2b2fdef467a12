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
        var list: UnsafeMutablePointer<ifaddrs>? = nil
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [IPv4Address] = []
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let name = entry.pointee.ifa_name, String(cString: name) == interface,
                let socketAddress = entry.pointee.ifa_addr,
                socketAddress.pointee.sa_family == sa_family_t(AF_INET)
            else { continue }
            let address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            addresses.append(IPv4Address(rawValue: UInt32(bigEndian: address.s_addr)))
        }
        return addresses
    }
}
