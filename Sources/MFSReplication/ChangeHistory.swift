import MFSCore

/// The recent changes a master keeps in memory for its peers (`CHANGELOG_PRESERVE_SECONDS`,
/// DESIGN §6): each version's changelog line, exactly as the changelog holds it, and when it
/// was appended. A peer that reconnects streams from here; one that asks for a version that is
/// gone downloads the metadata first.
///
/// Pure: the caller passes the time (milliseconds of a monotonic clock) and the bounds.
public struct ChangeHistory: Sendable {
    /// The version of `lines[head]`.
    public private(set) var firstVersion: MetaVersion
    /// The last version appended (`firstVersion - 1` when empty).
    public private(set) var lastVersion: MetaVersion
    private var lines: [[UInt8]] = []
    private var times: [Int64] = []
    private var head = 0
    /// Bytes of the lines kept.
    public private(set) var byteCount = 0

    /// An empty history whose next version is `after + 1`.
    public init(after: MetaVersion) {
        firstVersion = after.next
        lastVersion = after
    }

    public var count: Int { lines.count - head }

    /// Appends the line of `version`, which must follow `lastVersion`; `line` ends in `\n`.
    public mutating func append(_ version: MetaVersion, line: [UInt8], now: Int64) {
        precondition(version == lastVersion.next, "history version \(version) after \(lastVersion)")
        lines.append(line)
        times.append(now)
        byteCount += line.count
        lastVersion = version
    }

    /// Starts over after `after` (a follower that downloaded the metadata).
    public mutating func reset(after: MetaVersion) { self = ChangeHistory(after: after) }

    /// Drops the oldest lines older than `maxAgeMilliseconds` or beyond `maxBytes`.
    public mutating func prune(now: Int64, maxAgeMilliseconds: Int64, maxBytes: Int) {
        while head < lines.count, now - times[head] > maxAgeMilliseconds || byteCount > maxBytes {
            byteCount -= lines[head].count
            lines[head] = []
            head += 1
            firstVersion = firstVersion.next
        }
        if head > 4_096, head * 2 > lines.count {
            lines.removeFirst(head)
            times.removeFirst(head)
            head = 0
        }
    }

    /// Whether the changes after `version` can be streamed from here (every one is kept).
    public func canStream(after version: MetaVersion) -> Bool {
        version.next >= firstVersion && version <= lastVersion
    }

    /// When `version` was appended, if it is kept.
    public func appendedAt(_ version: MetaVersion) -> Int64? {
        guard version >= firstVersion, version <= lastVersion else { return nil }
        return times[head + Int(version.rawValue - firstVersion.rawValue)]
    }

    /// The lines after `version`, at most `maxBytes` of them (but at least one), for a
    /// `ChangeBatch`; nil when there is nothing after `version` or it is not kept.
    public func batch(after version: MetaVersion, maxBytes: Int) -> (first: MetaVersion, count: Int, text: [UInt8])? {
        guard version < lastVersion, canStream(after: version) else { return nil }
        var index = head + Int(version.next.rawValue - firstVersion.rawValue)
        var text: [UInt8] = []
        var count = 0
        while index < lines.count, count == 0 || text.count + lines[index].count <= maxBytes {
            text += lines[index]
            index += 1
            count += 1
        }
        return (version.next, count, text)
    }
}
