import MFSCore

/// The name of a chunk file, `chunk_<16 hex id>_<8 hex version>.mfs`, uppercase hex only, as
/// MooseFS 3.0 writes and accepts it (notes §4.3); it lives in one of the 256 subdirectories
/// `00`…`FF` of a data directory, chosen by placement, not by the id.
public struct ChunkFileName: Hashable, Sendable, CustomStringConvertible {
    public var id: ChunkID
    public var version: ChunkVersion

    public init(id: ChunkID, version: ChunkVersion) {
        self.id = id
        self.version = version
    }

    /// Characters in every chunk file name: `chunk_` 16 `_` 8 `.mfs`.
    public static let length = 35

    public var description: String { "chunk_\(hex(id.rawValue, digits: 16))_\(hex(UInt64(version.rawValue), digits: 8)).mfs" }

    /// Parses a file name; anything but the exact form (lowercase hex included) is refused.
    public init(parsing name: String) throws(ChunkFileNameError) {
        let bytes = Array(name.utf8)
        guard bytes.count == Self.length else { throw .wrongLength(name, bytes.count) }
        guard bytes.starts(with: Array("chunk_".utf8)), bytes[22] == UInt8(ascii: "_"), bytes[31...].elementsEqual(".mfs".utf8)
        else { throw .notAChunkName(name) }
        guard let id = Self.hexValue(bytes[6..<22]), let version = Self.hexValue(bytes[23..<31]) else {
            throw .notUppercaseHex(name)
        }
        // Bit 31 would be taken for the "on a disk marked for removal" flag in the chunk lists.
        guard version <= UInt64(ChunkVersion.maximum.rawValue) else { throw .versionTooHigh(name) }
        self.init(id: ChunkID(id), version: ChunkVersion(UInt32(version)))
    }

    /// Uppercase hex digits only; nil for anything else.
    private static func hexValue(_ digits: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for digit in digits {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt64(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = value << 4 | UInt64(digit - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }
        return value
    }
}

/// Why a file in a chunk subdirectory is not a chunk file.
public enum ChunkFileNameError: Error, Hashable, Sendable, CustomStringConvertible {
    case wrongLength(String, Int)
    case notAChunkName(String)
    case notUppercaseHex(String)
    case versionTooHigh(String)

    public var description: String {
        switch self {
        case .wrongLength(let name, let count):
            "'\(name)' is \(count) characters long, a chunk file name is \(ChunkFileName.length)"
        case .notAChunkName(let name): "'\(name)' is not of the form chunk_<16 hex>_<8 hex>.mfs"
        case .notUppercaseHex(let name): "'\(name)' has a digit that is not uppercase hex"
        case .versionTooHigh(let name): "'\(name)' has a version above \(hex(UInt64(ChunkVersion.maximum.rawValue), digits: 8))"
        }
    }
}

/// One of the 256 subdirectories of a data directory, named by two uppercase hex digits.
public struct ChunkSubdirectory: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let index: Int
    /// Subdirectories per data directory.
    public static let count = 256

    public init(_ index: Int) {
        precondition((0..<Self.count).contains(index), "subdirectory \(index) is not within 00…FF")
        self.index = index
    }

    public static let all = (0..<count).map(ChunkSubdirectory.init)
    public static func < (a: Self, b: Self) -> Bool { a.index < b.index }
    public var description: String { hex(UInt64(index), digits: 2) }
}

/// `value` in `digits` uppercase hex digits, zero-padded.
func hex(_ value: UInt64, digits: Int) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
}
