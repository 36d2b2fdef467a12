/// Why a `VRRPConfiguration` was refused. The daemon adds the file and line of the key and
/// exits before doing anything (STYLE: config errors stop the daemon early).
public enum VRRPConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    case virtualRouterIDOutOfRange(Int)
    case priorityOutOfRange(Int)
    case advertisementIntervalOutOfRange(Duration)
    case advertisementIntervalNotWholeCentiseconds(Duration)
    case noVirtualAddress
    case tooManyVirtualAddresses(Int)
    case duplicateVirtualAddress(IPv4Address)
    case unusableVirtualAddress(IPv4Address)
    case unusablePrimaryAddress(IPv4Address)
    case preemptDelayOutOfRange(Duration)

    public var description: String {
        switch self {
        case .virtualRouterIDOutOfRange(let id):
            "virtual router ID \(id) is outside \(VRRPLimits.virtualRouterIDs)"
        case .priorityOutOfRange(let priority):
            "priority \(priority) is outside \(VRRPLimits.configuredPriorities) (0 is reserved for resigning)"
        case .advertisementIntervalOutOfRange(let interval):
            "advertisement interval \(interval) is outside 10 ms … 40.95 s"
        case .advertisementIntervalNotWholeCentiseconds(let interval):
            "advertisement interval \(interval) is not a multiple of 10 ms (the wire carries centiseconds)"
        case .noVirtualAddress:
            "no virtual address is configured"
        case .tooManyVirtualAddresses(let count):
            "\(count) virtual addresses, at most \(VRRPLimits.maximumAddressCount) fit in an advertisement"
        case .duplicateVirtualAddress(let address):
            "virtual address \(address) is listed twice"
        case .unusableVirtualAddress(let address):
            "virtual address \(address) is not a usable host address (zero, loopback, multicast or reserved)"
        case .unusablePrimaryAddress(let address):
            "primary address \(address) is not a usable host address (zero, loopback, multicast or reserved)"
        case .preemptDelayOutOfRange(let delay):
            "preempt delay \(delay) is outside 0 … \(VRRPLimits.maximumPreemptDelay)"
        }
    }
}
