import MFSChangelog
import MFSCore
import MFSTestSupport
import Testing

@testable import MFSMetadata

/// The simplest possible model of a file tree: a dictionary from path to object, with POSIX's
/// rules written out plainly. The namespace must agree with it after every operation.
struct ReferenceModel {
    enum Kind { case file, directory, symlink }
    struct Object: Equatable {
        var kind: Kind
        var mode: UInt16
        var length: UInt64 = 0
        var goal: UInt8
        var target: [UInt8] = []
    }

    var paths: [String: Int] = ["": 0]
    var objects: [Int: Object] = [0: Object(kind: .directory, mode: 0o755, goal: NamespaceLimits.defaultGoal)]
    var nextObject = 1

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    func children(_ dir: String) -> [String] {
        paths.keys.filter { !$0.isEmpty && Self.parent($0) == dir }
    }

    /// The error of resolving the parent of `path`, if any.
    func checkParent(_ path: String) -> FSError? {
        let parent = Self.parent(path)
        var prefix = ""
        for part in parent.split(separator: "/") {
            guard objects[paths[prefix]!]!.kind == .directory else { return .notDirectory }
            prefix = prefix.isEmpty ? String(part) : prefix + "/" + part
            guard paths[prefix] != nil else { return .noEntry }
        }
        return objects[paths[prefix]!]!.kind == .directory ? nil : .notDirectory
    }

    mutating func create(_ path: String, _ kind: Kind, mode: UInt16, target: [UInt8] = []) -> FSError? {
        if let e = checkParent(path) { return e }
        if paths[path] != nil { return .exists }
        let goal = objects[paths[Self.parent(path)]!]!.goal
        objects[nextObject] = Object(
            kind: kind, mode: kind == .symlink ? 0o777 : mode, length: UInt64(target.count), goal: goal, target: target)
        paths[path] = nextObject
        nextObject += 1
        return nil
    }

    mutating func remove(_ path: String, directory: Bool) -> FSError? {
        if let e = checkParent(path) { return e }
        guard let id = paths[path] else { return .noEntry }
        let isDirectory = objects[id]!.kind == .directory
        if directory {
            guard isDirectory else { return .notDirectory }
            guard children(path).isEmpty else { return .notEmpty }
        } else if isDirectory {
            return .isDirectory
        }
        paths[path] = nil
        if !paths.values.contains(id) { objects[id] = nil }
        return nil
    }

    mutating func rename(_ from: String, _ to: String) -> FSError? {
        // Like rename(2): both parents are resolved before the source entry is looked up.
        if let e = checkParent(from) { return e }
        if let e = checkParent(to) { return e }
        guard let id = paths[from] else { return .noEntry }
        let isDirectory = objects[id]!.kind == .directory
        if isDirectory, Self.parent(from) != Self.parent(to), to.hasPrefix(from + "/") { return .invalidArgument }
        if let old = paths[to] {
            if old == id { return nil }
            if isDirectory {
                guard objects[old]!.kind == .directory else { return .notDirectory }
                guard children(to).isEmpty else { return .notEmpty }
            } else if objects[old]!.kind == .directory {
                return .isDirectory
            }
            paths[to] = nil
            if !paths.values.contains(old) { objects[old] = nil }
        }
        for path in paths.keys where path == from || path.hasPrefix(from + "/") {
            paths[to + path.dropFirst(from.count)] = paths.removeValue(forKey: path)
        }
        return nil
    }

    mutating func link(_ from: String, _ to: String) -> FSError? {
        if let e = checkParent(from) { return e }
        guard let id = paths[from] else { return .noEntry }
        // Like link(2): the new name is resolved (and must be free) before the directory check.
        if let e = checkParent(to) { return e }
        guard paths[to] == nil else { return .exists }
        guard objects[id]!.kind != .directory else { return .notPermitted }
        paths[to] = id
        return nil
    }

    mutating func chmod(_ path: String, _ mode: UInt16) -> FSError? {
        if let e = checkParent(path) { return e }
        guard let id = paths[path] else { return .noEntry }
        objects[id]!.mode = mode
        return nil
    }

    mutating func truncate(_ path: String, _ length: UInt64) -> FSError? {
        if let e = checkParent(path) { return e }
        guard let id = paths[path] else { return .noEntry }
        switch objects[id]!.kind {
        case .directory: return .isDirectory
        case .symlink: return .invalidArgument
        case .file: objects[id]!.length = length
        }
        return nil
    }

    mutating func setGoal(_ path: String, _ goal: UInt8, recursive: Bool) -> FSError? {
        if let e = checkParent(path) { return e }
        guard paths[path] != nil else { return .noEntry }
        for (p, id) in paths where p == path || (recursive && (path.isEmpty || p.hasPrefix(path + "/"))) {
            objects[id]!.goal = goal
        }
        return nil
    }
}

@Suite struct ReferenceModelTests {
    func split(_ path: String) -> (String, EntryName) {
        (ReferenceModel.parent(path), EntryName(unchecked: Array((path.split(separator: "/").last ?? "").utf8)))
    }

    func run(_ body: () throws -> Void) -> FSError? {
        do { try body() } catch let error as FSError { return error } catch { return .ioError }
        return nil
    }

    /// Checks the namespace's whole tree against the model.
    func compare(_ ns: Namespace, _ model: ReferenceModel, seed: UInt64, step: Int) throws {
        var seen: [String: InodeID] = ["": .root]
        var pending = [("", InodeID.root)]
        while let (path, inode) = pending.popLast() {
            for entry in try ns.listAll(inode, pageSize: 3) {
                let child = path.isEmpty ? entry.name.description : path + "/" + entry.name.description
                seen[child] = entry.inode
                if entry.type == .directory { pending.append((child, entry.inode)) }
            }
        }
        #expect(Set(seen.keys) == Set(model.paths.keys), "seed \(seed) step \(step): path sets differ")
        var inodeOf: [Int: InodeID] = [:]
        for (path, id) in model.paths {
            guard let inode = seen[path] else { continue }
            if let known = inodeOf[id] { #expect(known == inode, "seed \(seed) step \(step): \(path) should be a hard link") }
            inodeOf[id] = inode
            let object = model.objects[id]!
            let attrs = try ns.attributes(of: inode)
            let kind: ReferenceModel.Kind = attrs.type == .directory ? .directory : attrs.type == .symlink ? .symlink : .file
            let links = model.paths.values.filter { $0 == id }.count
            let nlink =
                object.kind == .directory
                ? UInt32(2 + model.children(path).filter { model.objects[model.paths[$0]!]!.kind == .directory }.count) : UInt32(links)
            #expect(
                kind == object.kind && attrs.mode == object.mode && attrs.goal == object.goal && attrs.nlink == nlink,
                "seed \(seed) step \(step): \(path) is \(attrs), model \(object)")
            if object.kind != .directory { #expect(attrs.length == object.length, "seed \(seed) step \(step): \(path) length") }
            if object.kind == .symlink { #expect(try ns.readlink(inode) == object.target, "seed \(seed) step \(step)") }
        }
        #expect(ns.inodeCount == model.objects.count, "seed \(seed) step \(step): inode count")
        try compareLinks(ns, model, inodes: inodeOf, seed: seed, step: step)
    }

    /// Where the namespace says each object is linked (`paths`, MooseFS's PATHS) and which
    /// exported trees it counts as inside (`isInside`, from the directory a node records),
    /// against the model's paths: a node is inside a tree exactly when one of its links is.
    func compareLinks(_ ns: Namespace, _ model: ReferenceModel, inodes: [Int: InodeID], seed: UInt64, step: Int) throws {
        let directories = model.paths.filter { $0.value != 0 && model.objects[$0.value]!.kind == .directory }
        for (id, inode) in inodes where id != 0 {
            let linked = Set(model.paths.filter { $0.value == id }.keys)
            let found = Set(try ns.paths(of: inode, under: .root).map { String(decoding: $0, as: UTF8.self) })
            #expect(found == linked, "seed \(seed) step \(step): paths of \(linked.sorted()) found as \(found.sorted())")
            for (directory, directoryID) in directories {
                let under = { (path: String) in path == directory || path.hasPrefix(directory + "/") }
                let inside = ns.isInside(inode, tree: inodes[directoryID]!)
                #expect(
                    inside == linked.contains(where: under), "seed \(seed) step \(step): \(linked.sorted()) inside \(directory): \(inside)")
            }
        }
    }

    @Test(arguments: [11, 12, 13] as [UInt64])
    func namespaceAgreesWithTheModelAfterEveryOperation(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        var ns = newNamespace()
        var model = ReferenceModel()
        let names = ["a", "b", "c", "d"]
        func randomPath() -> String {
            (0...Int(rng.next() % 3)).map { _ in names[Int(rng.next() % 4)] }.joined(separator: "/")
        }
        var detail = ""
        for step in 0..<1_500 {
            let path = randomPath()
            let (parentPath, name) = split(path)
            let parent = try? ns.resolveDirectory(parentPath)
            let expected: FSError?
            let actual: FSError?
            let op = rng.next() % 10
            switch op {
            case 0, 1:
                let type: NodeType = rng.next() % 2 == 0 ? .file : .directory
                let mode = UInt16(rng.next() % 0o1000)
                expected = model.create(path, type == .file ? .file : .directory, mode: mode)
                actual = run {
                    _ = try ns.create(parent ?? (try ns.resolveDirectory(parentPath)), name, type: type, mode: mode, as: .root, now: t0)
                }
            case 2:
                let target = Array("t\(step)".utf8)
                expected = model.create(path, .symlink, mode: 0o777, target: target)
                actual = run {
                    _ = try ns.symlink(parent ?? (try ns.resolveDirectory(parentPath)), name, target: target, as: .root, now: t0)
                }
            case 3:
                expected = model.remove(path, directory: false)
                actual = run { _ = try ns.unlink(parent ?? (try ns.resolveDirectory(parentPath)), name, as: .root, now: t0) }
            case 4:
                expected = model.remove(path, directory: true)
                actual = run { _ = try ns.rmdir(parent ?? (try ns.resolveDirectory(parentPath)), name, as: .root, now: t0) }
            case 5, 6:
                let to = randomPath()
                detail = "to \(to)"
                let (toParentPath, toName) = split(to)
                expected = model.rename(path, to)
                actual = run {
                    let source = try parent ?? (try ns.resolveDirectory(parentPath))
                    let target = try ns.resolveDirectory(toParentPath)
                    _ = try ns.rename(source, name, to: target, toName, as: .root, now: t0)
                }
            case 7:
                let to = randomPath()
                let (toParentPath, toName) = split(to)
                expected = model.link(path, to)
                actual = run {
                    let inode = try ns.lookup(parent ?? (try ns.resolveDirectory(parentPath)), name, as: .root).inode
                    _ = try ns.link(inode, into: try ns.resolveDirectory(toParentPath), as: toName, who: .root, now: t0)
                }
            case 8:
                let mode = UInt16(rng.next() % 0o1000)
                let length = rng.next() % 1_000_000
                if rng.next() % 2 == 0 {
                    expected = model.chmod(path, mode)
                    actual = run { _ = try ns.setAttributes(try ns.resolve(path), AttributeChanges(mode: mode), as: .root, now: t0) }
                } else {
                    expected = model.truncate(path, length)
                    actual = run { _ = try ns.setLength(try ns.resolve(path), length, as: .root, now: t0) }
                }
            default:
                let goal = UInt8(1 + rng.next() % 9)
                let recursive = rng.next() % 2 == 0
                let target = rng.next() % 4 == 0 ? "" : path
                expected = model.setGoal(target, goal, recursive: recursive)
                actual = run { _ = try ns.setGoal(try ns.resolve(target), goal, recursive: recursive, as: .root, now: t0) }
            }
            #expect(
                actual == expected,
                "seed \(seed) step \(step) op \(op) path \(path): namespace \(String(describing: actual)), model \(String(describing: expected)) \(detail)"
            )
            try compare(ns, model, seed: seed, step: step)
            if actual != expected { return }
        }
    }
}
