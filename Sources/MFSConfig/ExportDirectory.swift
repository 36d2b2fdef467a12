import MFSCore

/// The DIRECTORY of an `mfsexports.cfg` line, or the directory a client asks to mount.
public enum ExportDirectory: Hashable, Sendable, CustomStringConvertible {
    /// `.`: the meta file system (trash and sustained files), mounted with `mfsmount -o mfsmeta`.
    case meta
    /// A directory of the file system, as names from the root; `/` is the empty list.
    case path([EntryName])

    /// The file system's root, `/`.
    public static let root = ExportDirectory.path([])

    /// A directory a client asks to mount. Leading, trailing and repeated `/` are ignored, as in
    /// MooseFS (`a/b/` is `/a/b`); nil if a name is not valid, including `.` and `..`, which
    /// must not step out of an exported directory.
    public init?(mountPath: String) {
        var names: [EntryName] = []
        for component in mountPath.split(separator: "/") {
            guard let name = try? EntryName(validating: String(component)) else { return nil }
            names.append(name)
        }
        self = .path(names)
    }

    /// `.`, `/` or `/a/b`.
    public var description: String {
        switch self {
        case .meta: return "."
        case .path(let names): return "/" + names.map(\.description).joined(separator: "/")
        }
    }

    /// How many names deep: 0 for `/` and for `.`.
    public var depth: Int {
        if case .path(let names) = self { return names.count }
        return 0
    }

    /// Whether a line exporting this directory lets a client mount `requested`: the same
    /// directory, or with `allDirectories` (`alldirs`) any directory below it. The meta file
    /// system matches only itself.
    public func admits(_ requested: ExportDirectory, allDirectories: Bool) -> Bool {
        switch (self, requested) {
        case (.meta, .meta):
            return true
        case (.path(let exported), .path(let asked)):
            return asked == exported || (allDirectories && asked.count > exported.count && asked.starts(with: exported))
        default:
            return false
        }
    }

    /// The DIRECTORY field: `.`, or an absolute path. Repeated and trailing `/` are ignored.
    static func parse(_ text: Substring) throws(ValueProblem) -> ExportDirectory {
        if text == "." { return .meta }
        guard text.first == "/" else { throw .bad("expected . (the meta file system), / or an absolute path") }
        var names: [EntryName] = []
        for component in text.split(separator: "/") {
            do {
                names.append(try EntryName(validating: String(component)))
            } catch .nameTooLong {
                throw .bad("a name is longer than \(EntryName.maxLength) bytes")
            } catch {
                throw .bad("\(ConfigText.quoted(component)) is not allowed as a directory name")
            }
        }
        return .path(names)
    }
}
