import MFSCore

/// The directory of every link of a node with more than one (a hard-linked file, symbolic link
/// or special node), by inode, beside the inode records. It is what lets the directory a node
/// records (`InodeRecord.parent`) always name a directory that holds one of its links, without
/// a walk over every directory when the recorded one loses its link. Derived from the
/// directories' entries: never stored (a metadata file's load builds it again) and not part of
/// the namespace checksum.
struct LinkDirectories: PagedElement {
    /// One directory id per link, ascending (a directory holding two links is there twice).
    var directories: [UInt32]

    static let empty = LinkDirectories(directories: [])
    var isEmpty: Bool { directories.isEmpty }

    /// Where `directory` goes in the ascending list (its first place if it is there).
    private func position(_ directory: UInt32) -> Int {
        var (low, high) = (0, directories.count)
        while low < high {
            let middle = (low + high) / 2
            if directories[middle] < directory { low = middle + 1 } else { high = middle }
        }
        return low
    }

    mutating func insert(_ directory: UInt32) { directories.insert(directory, at: position(directory)) }

    mutating func remove(_ directory: UInt32) {
        let at = position(directory)
        if at < directories.count, directories[at] == directory { directories.remove(at: at) }
    }

    func contains(_ directory: UInt32) -> Bool {
        let at = position(directory)
        return at < directories.count && directories[at] == directory
    }
}

/// Keeping each node's recorded directory on one of its links. The rule, which depends only on
/// the recorded directory and the set of its links' directories (so a master that replayed the
/// changes and one that loaded a dump agree, as the checksum requires): a node records the
/// directory it was created in; a rename of the link there moves the record with it; when the
/// recorded directory loses its last link of the node, the node records the lowest-numbered
/// directory among the links left.
extension Namespace {
    /// A link of non-directory `id` was added in `directory`; it had `linksBefore` links and
    /// recorded `recorded`.
    mutating func linkAdded(_ id: UInt32, in directory: UInt32, linksBefore: UInt32, recorded: UInt32) {
        hardLinkDirectories.modify(Int(id)) { links in
            if linksBefore == 1 { links = LinkDirectories(directories: [recorded]) }
            links.insert(directory)
        }
    }

    /// A link of non-directory `id` in `directory` is gone and `linksLeft` (one or more) are
    /// left: the directory it records from now on.
    mutating func linkRemoved(_ id: UInt32, from directory: UInt32, linksLeft: UInt32, recorded: UInt32) -> UInt32 {
        guard !hardLinkDirectories[Int(id)].isEmpty else { return recorded }
        return hardLinkDirectories.modify(Int(id)) { links in
            links.remove(directory)
            let lowest = links.directories.first ?? recorded
            let keeps = recorded != directory || links.contains(directory)
            if linksLeft < 2 { links = .empty }
            return keeps ? recorded : lowest
        }
    }

    /// A link of non-directory `id` moved from `directory` to `newDirectory`.
    mutating func linkMoved(_ id: UInt32, from directory: UInt32, to newDirectory: UInt32) {
        guard directory != newDirectory, !hardLinkDirectories[Int(id)].isEmpty else { return }
        hardLinkDirectories.modify(Int(id)) { links in
            links.remove(directory)
            links.insert(newDirectory)
        }
    }

    /// The directories that hold a link of a linked node, each once, ascending for a node with
    /// several links; empty for an unlinked node or the root.
    func directoriesHoldingLinks(of id: UInt32, _ r: InodeRecord) -> [UInt32] {
        guard id != InodeID.root.rawValue, r.nlink > 0, r.parent != 0 else { return [] }
        let links = hardLinkDirectories[Int(id)].directories
        guard !r.isDirectory, !links.isEmpty else { return [r.parent] }
        var distinct: [UInt32] = []
        for directory in links where distinct.last != directory { distinct.append(directory) }
        return distinct
    }

    /// After a metadata file's load (its checksum checked): the link directories of the nodes
    /// with several links, and for a node that records no directory while linked (a file of
    /// `NODES` v1, where only directories recorded theirs, or of a build that let a node lose
    /// track) the lowest-numbered that holds a link. `found` lists (node, directory) for each
    /// link of those nodes, directories ascending.
    mutating func recordLinkDirectories(_ found: [(node: UInt32, directory: UInt32)]) {
        for (node, directory) in found {
            guard let (nlink, parent) = inodes.read(Int(node), { ($0.nlink, $0.parent) }) else { continue }
            if nlink > 1 { hardLinkDirectories.modify(Int(node)) { $0.directories.append(directory) } }
            if parent == 0 { updateInode(node) { $0.parent = directory } }
        }
    }
}
