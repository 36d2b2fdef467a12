import MFSChangelog
import MFSCore

#if canImport(Glibc)
    import Glibc
#endif

/// One changelog file split into lines, with its header checked. No I/O: it takes the bytes.
public struct ChangelogFile: Sendable {
    public let name: String
    public let header: ChangelogHeader?
    let bytes: [UInt8]
    /// Byte ranges of the record lines (header and `\n` excluded).
    let lines: [Range<Int>]
    /// File line numbers of `lines` (1-based; the header is line 1).
    let firstLineNumber: Int
    /// Set when the last line had no `\n`: a write torn by a crash, dropped.
    public let tornLastLine: Bool

    /// Splits `bytes` into lines. An empty file (a crash right after it was created) has no
    /// header and no lines; any other file must start with a valid header.
    /// Zeros after the last line (what a writer had preallocated when it crashed,
    /// `PreallocatedTail`) are not content: neither a line nor a torn one.
    public init(name: String, bytes file: [UInt8]) throws(RestoreError) {
        let bytes = PreallocatedTail.content(of: file)
        self.name = name
        self.bytes = bytes
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(bytes.count / 48)
        var torn = false
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            let count = buffer.count
            while start < count, let hit = memchr(base + start, 0x0A, count - start) {
                let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                ranges.append(start..<end)
                start = end + 1
            }
            if start < count {
                ranges.append(start..<count)
                torn = true
            }
        }
        if torn, ranges.count == 1 {
            // Only a torn header: nothing in the file was complete.
            header = nil
            lines = []
            firstLineNumber = 2
            tornLastLine = true
            return
        }
        tornLastLine = torn
        if torn { ranges.removeLast() }
        guard let first = ranges.first else {
            header = nil
            lines = []
            firstLineNumber = 2
            return
        }
        do {
            header = try ChangelogHeader.parse(bytes[first])
        } catch {
            throw .badHeader(file: name, error)
        }
        lines = Array(ranges.dropFirst())
        firstLineNumber = 2
    }

    var count: Int { lines.count }

    /// The bytes up to the end of the last complete line: what is left once a torn last line
    /// is cut off.
    public var completeLength: Int { tornLastLine ? (bytes.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) : bytes.count }

    /// Parses every record line (`lastOnly`: the last one), throwing for the first that does
    /// not parse.
    public func parseLines(lastOnly: Bool = false) throws(RestoreError) {
        for index in (lastOnly ? max(0, count - 1) : 0)..<count { _ = try parse(index) }
    }

    /// The version of the last complete line, nil if the file has no record lines.
    public var lastVersion: MetaVersion? { lines.isEmpty ? nil : version(lines.count - 1) }
    func lineNumber(_ index: Int) -> Int { firstLineNumber + index }
    func line(_ index: Int) -> ArraySlice<UInt8> { bytes[lines[index]] }

    func version(_ index: Int) -> MetaVersion? {
        bytes.withUnsafeBufferPointer { ChangelogCodec.peekVersion(UnsafeBufferPointer(rebasing: $0[lines[index]])) }
    }

    func parse(_ index: Int) throws(RestoreError) -> ChangelogRecord {
        do {
            return try bytes.withUnsafeBufferPointer { buffer throws(ChangelogParseError) in
                try ChangelogCodec.parse(UnsafeBufferPointer(rebasing: buffer[lines[index]]))
            }
        } catch {
            throw .unparsable(file: name, line: lineNumber(index), error)
        }
    }

    /// The epoch a line starts, if it is an `EPOCH(n)` line (checked without a full parse).
    func startedEpoch(_ index: Int) throws(RestoreError) -> Epoch? {
        let range = lines[index]
        guard let bar = bytes[range].firstIndex(of: UInt8(ascii: "|")),
            bytes[(bar + 1)..<range.upperBound].starts(with: "EPOCH(".utf8)
        else { return nil }
        if case .epoch(let e) = try parse(index).change { return e }
        return nil
    }
}
