import MFSCore
import MFSMetadata

#if canImport(Glibc)
    import Glibc
#endif

/// How `ls -l` and `stat` show attributes.
enum Format {
    /// `drwxr-xr-x`, with s/S for set-uid and set-gid and t/T for sticky.
    static func mode(_ attributes: Attributes) -> String {
        let type: Character =
            switch attributes.type {
            case .file: "-"
            case .directory: "d"
            case .symlink: "l"
            case .fifo: "p"
            case .socket: "s"
            case .blockDevice: "b"
            case .charDevice: "c"
            }
        let m = attributes.mode
        func triple(_ shift: UInt16, special: UInt16, _ letter: Character) -> String {
            let bits = (m >> shift) & 0o7
            let execute: Character =
                switch (bits & 1 != 0, m & special != 0) {
                case (true, true): letter
                case (false, true): Character(letter.uppercased())
                case (true, false): "x"
                case (false, false): "-"
                }
            return "\(bits & 4 != 0 ? "r" : "-")\(bits & 2 != 0 ? "w" : "-")\(execute)"
        }
        return String(type) + triple(6, special: 0o4000, "s") + triple(3, special: 0o2000, "s") + triple(0, special: 0o1000, "t")
    }

    static func typeName(_ type: NodeType) -> String {
        switch type {
        case .file: "regular file"
        case .directory: "directory"
        case .symlink: "symbolic link"
        case .fifo: "fifo"
        case .socket: "socket"
        case .blockDevice: "block special file"
        case .charDevice: "character special file"
        }
    }

    /// Four octal digits: `0755`.
    static func octal(_ mode: UInt16) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Local time, `2026-11-22 08:50` (ls's long-iso) or with seconds (stat).
    static func time(_ time: UnixTime, seconds: Bool) -> String {
        var clock = time_t(time.rawValue)
        var parts = tm()
        localtime_r(&clock, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, seconds ? "%Y-%m-%d %H:%M:%S %z" : "%Y-%m-%d %H:%M", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func right(_ text: String, _ column: [String]) -> String {
        String(repeating: " ", count: max(0, (column.map(\.count).max() ?? 0) - text.count)) + text
    }

    static func left(_ text: String, _ column: [String]) -> String {
        text + String(repeating: " ", count: max(0, (column.map(\.count).max() ?? 0) - text.count))
    }
}
