import MFSClient
import MFSCore
import MFSMetadata

/// `mkdir`, `touch` and `ln`.
extension Tool {
    func makeDirectories(_ paths: [String], parents: Bool, mode: UInt16?) async throws(ClientError) {
        let finalMode = mode ?? (0o777 & ~Tool.umask)
        for path in paths {
            do throws(ClientError) {
                if parents {
                    try await makeDirectoryWithParents(path, mode: finalMode)
                } else {
                    guard let (directory, name) = try await parentAndName(path) else { throw .fs(.exists) }
                    _ = try await client.mkdir(directory.inode, name, mode: finalMode)
                }
            } catch {
                try report(error, "cannot create directory \(quoted(path))")
            }
        }
    }

    /// `mkdir -p`: each missing directory on the way is made (intermediate ones writable and
    /// searchable by the owner, as coreutils does); one that exists is fine.
    private func makeDirectoryWithParents(_ path: String, mode: UInt16) async throws(ClientError) {
        let names = try PathComponents.split(path)
        var current = try await client.getAttributes(client.grant.root)
        for (index, name) in names.enumerated() {
            guard current.type == .directory else { throw .fs(.notDirectory) }
            let last = index == names.count - 1
            do throws(ClientError) {
                current = try await client.lookup(current.inode, name)
            } catch .fs(.noEntry) {
                let wanted = last ? mode : (0o777 & ~Tool.umask) | 0o300
                do throws(ClientError) {
                    current = try await client.mkdir(current.inode, name, mode: wanted)
                } catch .fs(.exists) {
                    current = try await client.lookup(current.inode, name)  // made meanwhile by another client
                }
            }
        }
        guard current.type == .directory else { throw .fs(.exists) }
    }

    /// Creates missing files (mode 0666 less the umask), else sets their times to now.
    func touch(_ paths: [String]) async throws(ClientError) {
        for path in paths {
            do throws(ClientError) {
                guard let (directory, name) = try await parentAndName(path) else {
                    _ = try await client.setAttributes(client.grant.root, AttributeChanges(atime: .now, mtime: .now))
                    continue
                }
                do throws(ClientError) {
                    let existing = try await client.lookup(directory.inode, name)
                    _ = try await client.setAttributes(existing.inode, AttributeChanges(atime: .now, mtime: .now))
                } catch .fs(.noEntry) {
                    _ = try await client.mknod(directory.inode, name, type: .file, mode: 0o666 & ~Tool.umask)
                }
            } catch {
                try report(error, "cannot touch \(quoted(path))")
            }
        }
    }

    /// `ln TARGET LINKNAME` / `ln -s TARGET LINKNAME`; a LINKNAME that is a directory gets the
    /// link inside, named after the target's last component.
    func link(_ target: String, _ linkName: String, symbolic: Bool) async throws(ClientError) {
        let what = symbolic ? "symbolic link" : "hard link"
        do throws(ClientError) {
            var (directory, name) = try await linkLocation(linkName, target: target)
            if symbolic {
                _ = try await client.symlink(directory.inode, name, target: Array(target.utf8))
            } else {
                let source = try await client.resolve(target)
                guard source.type != .directory else {
                    return complain("\(quoted(target)): hard link not allowed for directory")
                }
                directory = try await client.getAttributes(directory.inode)
                _ = try await client.link(source.inode, into: directory.inode, as: name)
            }
        } catch {
            let message =
                symbolic
                ? "failed to create \(what) \(quoted(linkName))" : "failed to create \(what) \(quoted(linkName)) => \(quoted(target))"
            try report(error, message)
        }
    }

    private func linkLocation(_ linkName: String, target: String) async throws(ClientError) -> (Attributes, EntryName) {
        if let existing = try? await client.resolve(linkName), existing.type == .directory {
            guard let last = try PathComponents.split(target).last else { throw .fs(.exists) }
            return (existing, last)
        }
        guard let (directory, name) = try await parentAndName(linkName) else { throw .fs(.exists) }
        return (directory, name)
    }
}
