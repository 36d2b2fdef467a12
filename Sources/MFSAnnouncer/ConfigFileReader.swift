/// TEMPORARY: a minimal MooseFS `KEY = VALUE` reader, used until the shared `MFSConfig` module
/// exists. It only splits lines; what the keys mean is `AnnouncerSettings+Load.swift`'s job,
/// so switching to `MFSConfig` replaces this file alone.
///
/// Rules: `#` starts a comment (anywhere on a line); blank lines are ignored; every other line
/// is `KEY = VALUE` with surrounding blanks trimmed; an empty value is allowed; a key not in
/// `AnnouncerConfigKeys.all` or set twice is an error naming the line.
struct ConfigFileReader {
    /// A key's value and the line it was read from (1-based).
    struct Entry: Hashable, Sendable {
        var value: String
        var line: Int
    }

    /// The longest line accepted; a config line is a few dozen bytes.
    static let maximumLineLength = 4096

    static func read(path: String) throws(AnnouncerConfigError) -> [String: Entry] {
        let text: String
        do {
            text = try readTextFile(path)
        } catch {
            throw AnnouncerConfigError(path: path, line: nil, message: "cannot read: \(error)")
        }
        return try parse(text, path: path)
    }

    static func parse(_ text: String, path: String) throws(AnnouncerConfigError) -> [String: Entry] {
        var entries: [String: Entry] = [:]
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            guard rawLine.utf8.count <= maximumLineLength else {
                throw AnnouncerConfigError(
                    path: path, line: number, message: "line longer than \(maximumLineLength) bytes")
            }
            let content = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let line = trimmed(content)
            if line.isEmpty { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw AnnouncerConfigError(path: path, line: number, message: "expected KEY = VALUE, got '\(line)'")
            }
            let key = trimmed(line[..<equals])
            let value = trimmed(line[line.index(after: equals)...])
            guard AnnouncerConfigKeys.key(named: key) != nil else {
                throw AnnouncerConfigError(path: path, line: number, message: "unknown key '\(key)'")
            }
            if let first = entries[key] {
                throw AnnouncerConfigError(
                    path: path, line: number, message: "\(key) is set twice (first on line \(first.line))")
            }
            entries[key] = Entry(value: value, line: number)
        }
        return entries
    }

    private static func trimmed(_ text: Substring) -> String {
        let blanks: Set<Character> = [" ", "\t", "\r"]
        var slice = text[...]
        while let first = slice.first, blanks.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, blanks.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
