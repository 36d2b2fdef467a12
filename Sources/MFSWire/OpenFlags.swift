/// What an open wants (MooseFS's `WANT_READ`, `WANT_WRITE`, `AFTER_CREATE`), checked against
/// the file's permissions when the session acquires it.
public struct OpenFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let read = OpenFlags(rawValue: 0x01)
    public static let write = OpenFlags(rawValue: 0x02)
    /// The open right after the caller created the file: granted whatever the mode says, as
    /// `open(O_CREAT)` of a file created read-only still returns a writable descriptor.
    public static let afterCreate = OpenFlags(rawValue: 0x04)

    /// Every bit this version defines; a decoder refuses the others.
    public static let all: OpenFlags = [.read, .write, .afterCreate]
}
