import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP socket bound to 127.0.0.1:`port` (0: the kernel picks one): its descriptor and the
/// port it got, or nil when the port is taken. The caller closes the descriptor.
public func boundLoopbackSocket(_ port: Int = 0) -> (fd: Int32, port: Int)? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else {
        close(fd)
        return nil
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A loopback port held by a listening socket for as long as this lives: for tests of a
/// daemon told to listen on a port that is in use.
public final class OccupiedPort {
    public let port: Int
    private let fd: Int32

    public init() throws {
        guard let (fd, port) = boundLoopbackSocket(), listen(fd, 1) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        (self.fd, self.port) = (fd, port)
    }

    deinit { close(fd) }
}

/// A free TCP port on loopback, for configurations that must name each other's ports before
/// either master starts: a random one below the kernel's ephemeral range (32768 up, where
/// every `connect` and `bind` to port 0 of the parallel tests takes its ports, so one of those
/// could take it between this check and the master's bind; that failed a test once), checked
/// by binding it and releasing it.
public func freePort() -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 20_000..<32_768)
        if bindLoopback(port) != nil { return port }
    }
    return bindLoopback(0) ?? 0
}

/// Binds 127.0.0.1:`port` (0: the kernel picks one) and releases it: the port, or nil when
/// it was taken.
private func bindLoopback(_ port: Int) -> Int? {
    guard let (fd, bound) = boundLoopbackSocket(port) else { return nil }
    close(fd)
    return bound
}
