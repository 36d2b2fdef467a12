import VRRPCore

/// The I/O the announcer's shell performs, as one seam: `SystemAnnouncerIO` does it with raw
/// sockets, libnl-3, AF_PACKET and posix_spawn; the tests use an in-memory recorder.
/// Every call returns promptly (no call blocks for long): the shell runs one event loop.
public protocol AnnouncerIO: AnyObject {
    /// Sends an advertisement: to 224.0.0.18, or to each unicast peer (RFC 5798 §5.1.1).
    func sendAdvertisement(_ advertisement: VRRPAdvertisement) throws(AnnouncerIOError)
    /// Adds the address to the interface; an address already there is a success.
    func addAddress(_ address: VirtualIPAddress) throws(AnnouncerIOError)
    /// Removes the address from the interface whatever its prefix; an absent one is a success.
    func removeAddress(_ address: VirtualIPAddress) throws(AnnouncerIOError)
    /// Broadcasts one gratuitous ARP request announcing `address` with our MAC address.
    func sendGratuitousARP(for address: IPv4Address) throws(AnnouncerIOError)
    /// Starts `/bin/sh -c command` in a new process group; returns its process id (also the
    /// group's id). Its end is reported to `AnnouncerShell.hookExited`.
    func startHook(_ command: String, environment: [String: String]) throws(AnnouncerIOError) -> Int32
    /// Kills the hook's whole process group (SIGKILL).
    func killHookProcessGroup(_ processID: Int32)
}

/// A failed I/O operation, already worded for the log.
public struct AnnouncerIOError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How a hook process ended.
public enum HookExit: Hashable, Sendable {
    case exited(Int32)
    case signaled(Int32)
}

/// Which hook.
public enum HookKind: String, Hashable, Sendable, Codable {
    case promote
    case demote
}
