import MFSCore

/// One data directory of `mfshdd.cfg` (notes §4.1), one a line:
///
///     [prefixes]/path/to/dir[/] [size]
///
/// - prefixes, in any order and combination: `*` marked for removal (its chunks are reported
///   with version bit 31 and its space as "to delete"), `<` move its chunks to other directories,
///   `>` move chunks from other directories here, `~` do not fail the directory when its file
///   system's total size changes (compressed file systems);
/// - an optional last word after a blank: `-SIZE` leave this much free, `SIZE` use at most this
///   much (`0` means no limit, as in MooseFS); SIZE is `DataSize`'s syntax;
/// - `#` starts a comment line; blank lines and trailing blanks are ignored; a `/` is appended.
public struct DataDirectoryEntry: Hashable, Sendable {
    /// Which way the chunkserver moves chunks between its own directories.
    public enum Rebalance: Hashable, Sendable {
        case normal
        /// `<`: move this directory's chunks to the others.
        case moveOut
        /// `>`: move chunks of the other directories here.
        case moveIn
    }

    /// How much of the file system the directory may use.
    public enum SizeLimit: Hashable, Sendable {
        /// The whole file system, less the default space left free.
        case none
        /// `-SIZE`: leave this many bytes free (instead of the default).
        case leaveFree(UInt64)
        /// `SIZE`: use at most this many bytes.
        case useAtMost(UInt64)
    }

    /// The directory, ending in `/`.
    public var path: String
    public var markedForRemoval = false
    public var rebalance = Rebalance.normal
    public var ignoresSizeChanges = false
    public var sizeLimit = SizeLimit.none

    public init(path: String) { self.path = path.hasSuffix("/") ? path : path + "/" }
}

/// A line of `mfshdd.cfg` that cannot be used, with where it is.
public struct HardDriveConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Error, Hashable, Sendable {
        case lineTooLong(Int)
        case noPath
        case relativePath(String)
        case badSize(String)
        case sameDirectoryTwice(String, firstLine: Int)
    }

    public var file: String
    public var line: Int
    public var problem: Problem

    public init(file: String, line: Int, problem: Problem) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String {
        let what =
            switch problem {
            case .lineTooLong(let length): "line of \(length) bytes is longer than \(HardDriveConfig.maxLineLength)"
            case .noPath: "no directory on the line"
            case .relativePath(let path): "'\(path)' is not an absolute path"
            case .badSize(let word): "'\(word)' is not a size (e.g. 10GiB, 500G, -20GiB)"
            case .sameDirectoryTwice(let path, let first): "\(path) is already listed on line \(first)"
            }
        return "\(file):\(line): \(what)"
    }
}

/// The parsed `mfshdd.cfg`.
public enum HardDriveConfig {
    /// The longest line accepted, in bytes (a path and a size fit easily; MooseFS reads lines
    /// into a buffer of about this size).
    public static let maxLineLength = 4096

    /// Parses the text of `mfshdd.cfg`; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(HardDriveConfigError) -> [DataDirectoryEntry] {
        var entries: [DataDirectoryEntry] = []
        var firstLine: [String: Int] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            guard line.utf8.count <= maxLineLength else {
                throw HardDriveConfigError(file: file, line: number, problem: .lineTooLong(line.utf8.count))
            }
            let entry: DataDirectoryEntry?
            do { entry = try parseLine(Substring(line)) } catch { throw HardDriveConfigError(file: file, line: number, problem: error) }
            guard let entry else { continue }
            if let first = firstLine[entry.path] {
                throw HardDriveConfigError(file: file, line: number, problem: .sameDirectoryTwice(entry.path, firstLine: first))
            }
            firstLine[entry.path] = number
            entries.append(entry)
        }
        return entries
    }

    /// One line; nil for a comment or a blank line.
    static func parseLine(_ raw: Substring) throws(HardDriveConfigError.Problem) -> DataDirectoryEntry? {
        var line = raw
        while let last = line.last, last == " " || last == "\t" || last == "\r" { line.removeLast() }
        if line.isEmpty || line.hasPrefix("#") { return nil }
        var limit = DataDirectoryEntry.SizeLimit.none
        if let blank = line.lastIndex(where: { $0 == " " || $0 == "\t" }) {
            let word = line[line.index(after: blank)...]
            // As MooseFS: a last word that starts like a size is one; otherwise the blank is
            // part of the path.
            if let first = word.first, first == "-" || first == "." || first.isNumber {
                limit = try sizeLimit(word)
                line = line[..<blank]
                while let last = line.last, last == " " || last == "\t" { line.removeLast() }
            }
        }
        var entry = DataDirectoryEntry(path: "/")
        while let prefix = line.first, "*<>~".contains(prefix) {
            switch prefix {
            case "*": entry.markedForRemoval = true
            case "<": entry.rebalance = .moveOut
            case ">": entry.rebalance = .moveIn
            default: entry.ignoresSizeChanges = true
            }
            line.removeFirst()
        }
        guard !line.isEmpty else { throw .noPath }
        guard line.hasPrefix("/") else { throw .relativePath(String(line)) }
        entry.path = DataDirectoryEntry(path: String(line)).path
        entry.sizeLimit = limit
        return entry
    }

    private static func sizeLimit(_ word: Substring) throws(HardDriveConfigError.Problem) -> DataDirectoryEntry.SizeLimit {
        if word.hasPrefix("-") {
            guard let bytes = DataSize.parse(word.dropFirst()) else { throw .badSize(String(word)) }
            return .leaveFree(bytes)
        }
        guard let bytes = DataSize.parse(word) else { throw .badSize(String(word)) }
        return bytes == 0 ? .none : .useAtMost(bytes)
    }
}
