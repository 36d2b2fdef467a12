/// A user and group that operations are performed as: the target of `maproot=` and `mapall=`.
public struct IDMapping: Hashable, Sendable, CustomStringConvertible {
    public var uid: UInt32
    public var gid: UInt32

    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }

    /// `uid:gid`.
    public var description: String { "\(uid):\(gid)" }
}
