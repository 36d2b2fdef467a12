import MFSCore

/// The changelog's text form (DESIGN §3): one line per change,
///
///     VERSION: TIME|OP(ARG,...)[:RESULT][|r=SESSION.REQUEST]\n
///
/// for example `1043: 1795315207|UNLINK(1,notes.txt):17|r=3.1234`.
///
/// - `VERSION` (UInt64) and `TIME` (UInt32, Unix seconds) are decimal; so is every number in the
///   line: digits only, no sign, no leading zeros, so each value has exactly one form.
/// - `OP` and its arguments are listed in `Change`'s doc comments and in `ChangelogOperation`.
///   A node type is its letter (`f d l q s b c`), a flag is `0` or `1`, a metaid is 16 lowercase
///   hex digits (as in the file header).
/// - Names, symlink targets and session info are byte strings escaped as `NameEscaping` says:
///   `%XX` (uppercase written, either case read) for bytes below 32 or above 126 and for
///   `,` `%` `(` `)`. The parser rejects those bytes raw, so a line has exactly one reading.
/// - `:RESULT` (UInt64) follows exactly the operations that have a result
///   (`ChangelogOperation.hasResult`); `|r=SESSION.REQUEST` is the `RequestTag`, if any.
///
/// The parser is strict: the line is given without its `\n`, and anything else, a `\r` or a
/// space included, is an error (`trailingBytes`). A line is at most
/// `ChangelogLimits.maxLineLength` bytes. Both directions work on bytes in one pass; neither
/// builds a `String`.
public enum ChangelogCodec {
    // MARK: - Formatting

    /// Appends `record`'s line and its `\n` to `buffer`, ready to write to the file. Amortized
    /// like `Array.append`: the line is built in a temporary buffer and copied once.
    ///
    /// A record the format cannot hold is a programmer error and traps: a result on an operation
    /// without one (or none where one is needed), a symlink target over
    /// `ChangelogLimits.maxSymlinkTargetLength` or with a NUL, session info over
    /// `ChangelogLimits.maxSessionInfoLength`, an empty or over-long `EntryName`.
    public static func append(_ record: ChangelogRecord, to buffer: inout [UInt8]) {
        let bound = formattedLengthBound(record.change)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { scratch in
            let count = write(record, to: scratch.baseAddress!)
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<count]))
        }
    }

    /// `record`'s line and its `\n` (see `append(_:to:)`), in an array of exactly that size:
    /// callers may keep many lines in memory (the master keeps recent changes for followers).
    public static func format(_ record: ChangelogRecord) -> [UInt8] {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: formattedLengthBound(record.change)) { scratch in
            let count = write(record, to: scratch.baseAddress!)
            return Array(UnsafeBufferPointer(rebasing: scratch[..<count]))
        }
    }

    /// `record`'s line without the `\n`, as text (for messages, tools and tests).
    public static func text(of record: ChangelogRecord) -> String {
        String(decoding: format(record).dropLast(), as: UTF8.self)
    }

    // MARK: - Parsing

    /// Parses one line, given without its `\n`.
    public static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(ChangelogParseError) -> ChangelogRecord {
        try parseRecord(line)
    }

    /// Parses one line, given without its `\n`. Contiguous collections (`[UInt8]`,
    /// `ArraySlice<UInt8>`, a file buffer's slice) are read in place.
    @inlinable
    public static func parse(_ line: some Collection<UInt8>) throws(ChangelogParseError) -> ChangelogRecord {
        let parsed = line.withContiguousStorageIfAvailable { bytes in
            Result { () throws(ChangelogParseError) in try parse(bytes) }
        }
        if let parsed { return try parsed.get() }
        return try Array(line).withUnsafeBufferPointer { bytes in
            Result { () throws(ChangelogParseError) in try parse(bytes) }
        }.get()
    }

    /// Parses one line given as text, without its `\n` (for tools and tests).
    public static func parse(line: String) throws(ChangelogParseError) -> ChangelogRecord {
        try parse(Array(line.utf8))
    }

    /// The version of a line (the number before its first `:`), without parsing the rest: for
    /// merging changelogs by version. Nil if the line does not start with a valid version.
    public static func peekVersion(_ line: UnsafeBufferPointer<UInt8>) -> MetaVersion? {
        peekVersion(of: line)
    }

    /// The version of a line (see `peekVersion(_:)` on a buffer).
    @inlinable
    public static func peekVersion(_ line: some Collection<UInt8>) -> MetaVersion? {
        if let peeked = line.withContiguousStorageIfAvailable({ peekVersion($0) }) { return peeked }
        return Array(line.prefix(24)).withUnsafeBufferPointer { peekVersion($0) }
    }
}
