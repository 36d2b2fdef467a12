import MFSChangelog
import MFSCore

/// The lines of one changelog file after a version: where to cut the file, and the lines cut
/// off. No I/O: it takes the file's bytes (`ChangelogTail` does the reading and the moving).
public struct ForkTail: Sendable {
    /// Where the file is cut: the start of its first complete line with a version above the
    /// fork point, or else the end of its last complete line (a torn last line goes too; it
    /// was never acknowledged).
    public var cutOffset: Int
    /// The complete lines after the fork point, without their `\n`, in file order.
    public var lines: [ArraySlice<UInt8>]

    /// Splits `bytes` (header line first) at the first record line whose version is above
    /// `version`. Versions increase within a file, so everything from there on is the tail.
    public init(_ bytes: [UInt8], after version: MetaVersion) {
        var start = 0
        var isHeader = true
        var cut: Int?
        var lines: [ArraySlice<UInt8>] = []
        for index in bytes.indices where bytes[index] == 0x0A {
            let line = bytes[start..<index]
            defer { start = index + 1 }
            if isHeader {
                isHeader = false
                continue
            }
            if cut == nil, let v = ChangelogCodec.peekVersion(line), v > version { cut = start }
            if cut != nil { lines.append(line) }
        }
        // No complete header: the file is cut to nothing, as the writer would rewrite it.
        cutOffset = isHeader ? 0 : (cut ?? start)
        self.lines = lines
    }

    /// The version of a line, if it has one that reads.
    public static func version(of line: ArraySlice<UInt8>) -> MetaVersion? { ChangelogCodec.peekVersion(line) }

    /// The epoch each tail line belongs to: `epochAtFork` until an `EPOCH(n)` line, which
    /// starts epoch n (its own version is epoch n's start version).
    public static func epochs(of lines: [ArraySlice<UInt8>], epochAtFork: Epoch) -> [Epoch] {
        var epoch = epochAtFork
        return lines.map { line in
            if let started = startedEpoch(line) { epoch = started }
            return epoch
        }
    }

    /// The epoch an `EPOCH(n)` line starts; nil for any other line (parsed only when it looks
    /// like one).
    public static func startedEpoch(_ line: ArraySlice<UInt8>) -> Epoch? {
        guard let bar = line.firstIndex(of: UInt8(ascii: "|")), line[(bar + 1)...].starts(with: "EPOCH(".utf8),
            let record = try? ChangelogCodec.parse(line), case .epoch(let e) = record.change
        else { return nil }
        return e
    }
}
