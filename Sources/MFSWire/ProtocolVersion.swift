/// The version of the client–master protocol, `major.minor` in one UInt16 (major in the high
/// byte).
///
/// A peer refuses a hello from another major version: the layouts may differ. A newer minor
/// version only adds message types, or gives a meaning to a field that older minors send as
/// zero (and refuse when it is not zero, so an older peer never misreads it); a master sends such
/// a field only to peers whose hello announced that minor.
public struct ProtocolVersion: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public init(major: UInt8, minor: UInt8) { rawValue = UInt16(major) << 8 | UInt16(minor) }

    /// The version this module speaks.
    public static let current = ProtocolVersion(major: 1, minor: 0)

    public var major: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }
    public var minor: UInt8 { UInt8(truncatingIfNeeded: rawValue) }

    /// Whether this module can read messages of `self`: the same major version.
    public var isSupported: Bool { major == ProtocolVersion.current.major }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String { "\(major).\(minor)" }
}
