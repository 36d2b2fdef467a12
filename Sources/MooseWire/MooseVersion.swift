/// A MooseFS software version as the protocols carry it: `major:16 mid:8 (minor×2 + pro):8`,
/// so 3.0.117 is `0x000300EA` and the low bit marks a Pro build (docs/research/
/// moosefs-3.0-chunkserver-protocol.md §1.3; the formula holds from major 2 on). The same four
/// bytes appear in CSTOMA_REGISTER, the master's ACK, ANTOAN_VERSION and MODULE_INFO.
///
/// Peers switch behaviour on each other's version; the thresholds that matter on 9420 and 9422
/// are named below. Compare with `isAtLeast`, which ignores the Pro bit as MooseFS's
/// `VERSION2INT` does.
public struct MooseVersion: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `minor` must be below 128 (it is doubled into one byte).
    public init(major: UInt16, mid: UInt8, minor: UInt8, pro: Bool = false) {
        precondition(minor < 128, "minor version \(minor) does not fit the encoding")
        rawValue = UInt32(major) << 16 | UInt32(mid) << 8 | UInt32(minor) << 1 | (pro ? 1 : 0)
    }

    public var major: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 16) }
    public var mid: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }
    public var minor: UInt8 { UInt8(truncatingIfNeeded: rawValue) >> 1 }
    public var isPro: Bool { rawValue & 1 != 0 }

    /// Whether `self` is `other` or newer, Pro bit ignored.
    public func isAtLeast(_ other: MooseVersion) -> Bool { rawValue | 1 >= other.rawValue | 1 }

    public var description: String { "\(major).\(mid).\(minor)\(isPro ? " PRO" : "")" }

    /// The version swift-mfs announces (DESIGN §8): peers switch behaviour on it.
    public static let v3_0_117 = MooseVersion(major: 3, mid: 0, minor: 117)

    // MARK: thresholds (peer version ≥ this unlocks the behaviour)
    /// The master ACKs a register BEGIN; chunkservers send CURRENT_LOAD.
    public static let masterAck = MooseVersion(major: 1, mid: 6, minor: 28)
    /// Data port: the `protover` byte in READ and WRITE, WRITE_FINISH, connection reuse.
    public static let dataProtocolVersion = MooseVersion(major: 1, mid: 7, minor: 32)
    /// Register CHUNKS paced by one-byte ACKs.
    public static let pacedRegister = MooseVersion(major: 2, mid: 0, minor: 0)
    /// The ACK carries the metaid (17 bytes instead of 9).
    public static let ackWithMetaID = MooseVersion(major: 2, mid: 0, minor: 33)
    /// The chunkserver sends CSTOMA_LABELS.
    public static let labels = MooseVersion(major: 2, mid: 1, minor: 0)
    /// CURRENT_LOAD carries the heavy-load status byte (5 bytes instead of 4).
    public static let loadStatus = MooseVersion(major: 3, mid: 0, minor: 7)
    /// The master understands the `rebalance` heavy-load status.
    public static let rebalanceStatus = MooseVersion(major: 3, mid: 0, minor: 62)
    /// The chunkserver announces a graceful stop (register rver 63).
    public static let gracefulDisconnect = MooseVersion(major: 3, mid: 0, minor: 75)
}
