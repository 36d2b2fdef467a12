/// The kind of an inode. The raw value is the letter used in the changelog and on the wire.
public enum NodeType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case file = 0x66  // f
    case directory = 0x64  // d
    case symlink = 0x6C  // l
    case fifo = 0x71  // q
    case socket = 0x73  // s
    case blockDevice = 0x62  // b
    case charDevice = 0x63  // c

    public var letter: Character { Character(Unicode.Scalar(rawValue)) }
    public var description: String { String(letter) }

    /// The `S_IFMT` bits of `st_mode` for this type.
    public var modeTypeBits: UInt32 {
        switch self {
        case .file: 0o100000
        case .directory: 0o040000
        case .symlink: 0o120000
        case .fifo: 0o010000
        case .socket: 0o140000
        case .blockDevice: 0o060000
        case .charDevice: 0o020000
        }
    }
}
