import CNetlink
import VRRPCore

#if canImport(Glibc)
    import Glibc
#endif

/// Adds and removes the virtual IPs through libnl-3 (DESIGN §11). The `nl_sock` lives here
/// only, used from the announcer's single thread. libnl returns its own negative error codes,
/// not errno values, and its `nl_geterror` text misleads in this context (`NLE_NOADDR` reads
/// "Invalid address for specified address family" when the kernel meant "no such address on
/// the interface"), so `NetlinkAddressController.describe` words them for this job.
final class NetlinkAddressController {
    private let socket: OpaquePointer

    init() throws(AnnouncerIOError) {
        guard let socket = nl_socket_alloc() else { throw AnnouncerIOError("libnl: nl_socket_alloc failed (out of memory)") }
        let result = nl_connect(socket, NETLINK_ROUTE)
        guard result >= 0 else {
            nl_socket_free(socket)
            throw AnnouncerIOError("libnl: connecting to NETLINK_ROUTE failed: \(Self.describe(result))")
        }
        self.socket = socket
    }

    deinit {
        nl_close(socket)
        nl_socket_free(socket)
    }

    /// Adds `vip` to the interface; an address already there is a success.
    func add(_ vip: VirtualIPAddress, interfaceIndex: Int32) throws(AnnouncerIOError) {
        guard let address = rtnl_addr_alloc() else { throw AnnouncerIOError("libnl: rtnl_addr_alloc failed (out of memory)") }
        defer { rtnl_addr_put(address) }
        var octets = vip.address.octets
        guard let local = nl_addr_build(AF_INET, &octets, 4) else { throw AnnouncerIOError("libnl: nl_addr_build failed (out of memory)") }
        defer { nl_addr_put(local) }
        rtnl_addr_set_ifindex(address, interfaceIndex)
        rtnl_addr_set_family(address, AF_INET)
        var result = rtnl_addr_set_local(address, local)
        guard result >= 0 else { throw AnnouncerIOError("libnl: rtnl_addr_set_local: \(Self.describe(result))") }
        // After set_local, which resets the prefix length to the nl_addr's (32).
        rtnl_addr_set_prefixlen(address, Int32(vip.prefixLength))
        result = rtnl_addr_add(socket, address, 0)
        if result == -NLE_EXIST { return }
        guard result >= 0 else { throw AnnouncerIOError("rtnl_addr_add \(vip): \(Self.describe(result))") }
    }

    /// Removes every IPv4 address `address` from the interface, whatever its prefix (a crashed
    /// predecessor may have been configured with another one); none there is a success.
    func remove(_ address: IPv4Address, interfaceIndex: Int32) throws(AnnouncerIOError) {
        for entry in try entries(interfaceIndex: interfaceIndex) where entry.address == address {
            guard let object = rtnl_addr_alloc() else { throw AnnouncerIOError("libnl: rtnl_addr_alloc failed") }
            defer { rtnl_addr_put(object) }
            var octets = address.octets
            guard let local = nl_addr_build(AF_INET, &octets, 4) else { throw AnnouncerIOError("libnl: nl_addr_build failed") }
            defer { nl_addr_put(local) }
            rtnl_addr_set_ifindex(object, interfaceIndex)
            rtnl_addr_set_family(object, AF_INET)
            _ = rtnl_addr_set_local(object, local)
            rtnl_addr_set_prefixlen(object, Int32(entry.prefixLength))
            let result = rtnl_addr_delete(socket, object, 0)
            // The kernel says EADDRNOTAVAIL (libnl: NLE_NOADDR) when it is already gone.
            if result == -NLE_NOADDR || result == -NLE_OBJ_NOTFOUND { continue }
            guard result >= 0 else { throw AnnouncerIOError("rtnl_addr_delete \(address)/\(entry.prefixLength): \(Self.describe(result))") }
        }
    }

    /// The IPv4 addresses on the interface now, from a fresh address dump.
    func entries(interfaceIndex: Int32) throws(AnnouncerIOError) -> [VirtualIPAddress] {
        var cache: OpaquePointer? = nil
        let result = rtnl_addr_alloc_cache(socket, &cache)
        guard result >= 0, let cache else { throw AnnouncerIOError("libnl: address dump failed: \(Self.describe(result))") }
        defer { nl_cache_free(cache) }
        var found: [VirtualIPAddress] = []
        var object = nl_cache_get_first(cache)
        while let current = object {
            defer { object = nl_cache_get_next(current) }
            let address = mfs_nl_object_as_addr(current)
            guard rtnl_addr_get_ifindex(address) == interfaceIndex, rtnl_addr_get_family(address) == AF_INET,
                let local = rtnl_addr_get_local(address), nl_addr_get_len(local) == 4,
                let bytes = nl_addr_get_binary_addr(local)
            else { continue }
            let octets = bytes.assumingMemoryBound(to: UInt8.self)
            let ip = IPv4Address(octets[0], octets[1], octets[2], octets[3])
            let prefix = Int(rtnl_addr_get_prefixlen(address))
            found.append(VirtualIPAddress(address: ip, prefixLength: (0...32).contains(prefix) ? prefix : 32))
        }
        return found
    }

    /// A libnl error code in words for adding and removing addresses, with the code itself.
    static func describe(_ code: Int32) -> String {
        let meaning: String
        switch -code {
        case NLE_PERM, NLE_NOACCESS: meaning = "not permitted (CAP_NET_ADMIN is needed)"
        case NLE_EXIST: meaning = "the address already exists"
        case NLE_NOADDR: meaning = "no such address on the interface (kernel EADDRNOTAVAIL)"
        case NLE_OBJ_NOTFOUND: meaning = "not found (kernel ENOENT or ESRCH)"
        case NLE_NODEV: meaning = "no such interface (it was removed or renamed)"
        case NLE_INVAL: meaning = "the kernel refused the request as invalid (EINVAL)"
        case NLE_NOMEM: meaning = "out of memory or buffer space (ENOMEM, ENOBUFS)"
        case NLE_BUSY: meaning = "busy (EBUSY)"
        case NLE_AF_NOSUPPORT: meaning = "address family not supported"
        case NLE_BAD_SOCK: meaning = "bad netlink socket"
        case NLE_AGAIN, NLE_INTR: meaning = "interrupted, try again"
        default: meaning = String(cString: nl_geterror(code))
        }
        return "\(meaning) (libnl error \(code))"
    }
}
