/// Typed identifiers shared by every part of swift-mfs. Each wraps the integer that goes on the
/// wire and into the changelog, so an inode number can never be passed where a chunk id belongs.

/// An inode number. 1 is the root directory; 0 is never a valid inode.
public struct InodeID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static let root = InodeID(1)
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// A chunk id. 0 stands for "no chunk" (a hole) in a file's chunk list.
public struct ChunkID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static let none = ChunkID(0)
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// The version of the metadata: the number of the last change applied. Versions increase by
/// exactly one per change.
public struct MetaVersion: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static let zero = MetaVersion(0)
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var next: MetaVersion { MetaVersion(rawValue + 1) }
    public var description: String { String(rawValue) }
    /// The highest version taken from a peer or a file (2⁶²: a million changes a second for
    /// 146,000 years): past it the input is refused, so `next` and sums never wrap.
    public static let maximum = MetaVersion(1 << 62)
    /// `raw` as a version, or nil above `maximum`.
    public init?(checking raw: UInt64) {
        guard raw <= Self.maximum.rawValue else { return nil }
        self.init(raw)
    }
}

/// The master epoch: +1 at every promotion. Ordered together with versions as (epoch, version).
public struct Epoch: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static let zero = Epoch(0)
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
    /// The highest epoch taken from a peer or a file (2⁶²): past it the input is refused, so
    /// the next epoch a candidate asks for never wraps.
    public static let maximum = Epoch(1 << 62)
    /// `raw` as an epoch, or nil above `maximum`.
    public init?(checking raw: UInt64) {
        guard raw <= Self.maximum.rawValue else { return nil }
        self.init(raw)
    }
}

/// The cluster identity, random at the first start. 0 means "not known yet".
public struct MetaID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static let unknown = MetaID(0)
    /// Sixteen lowercase hex digits, as in changelog headers.
    public var hex: String {
        let digits = String(rawValue, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
    public var description: String { hex }
}

/// A client session.
public struct SessionID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// A client's id for one mutating request, increasing within its session.
public struct RequestID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// Wall-clock time in whole seconds since the Unix epoch, as MooseFS keeps it. Callers truncate
/// before use; the cores never read a clock.
public struct UnixTime: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
    /// Seconds elapsed since `earlier`, 0 if `earlier` is later.
    public func seconds(since earlier: UnixTime) -> UInt32 {
        rawValue >= earlier.rawValue ? rawValue - earlier.rawValue : 0
    }
}
