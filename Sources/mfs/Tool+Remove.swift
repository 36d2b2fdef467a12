import MFSClient
import MFSCore
import MFSMetadata

/// `rm`, `rmdir` and `mv`.
extension Tool {
    func remove(_ paths: [String], recursive: Bool, force: Bool) async throws(ClientError) {
        for path in paths {
            do throws(ClientError) {
                guard let (directory, name) = try await parentAndName(path) else {
                    complain("cannot remove \(quoted(path)): it is the root of the mount")
                    continue
                }
                let entry = try await client.lookup(directory.inode, name)
                guard entry.type == .directory else {
                    _ = try await client.unlink(directory.inode, name)
                    continue
                }
                guard recursive else { throw .fs(.isDirectory) }
                if try await removeContents(of: entry.inode, path: path) {
                    _ = try await client.rmdir(directory.inode, name)
                }
            } catch .fs(.noEntry) where force {
                continue
            } catch {
                try report(error, "cannot remove \(quoted(path))")
            }
        }
    }

    /// Removes everything below `directory`, depth first; false if something could not be
    /// removed (reported already), so the directory itself is left.
    private func removeContents(of directory: InodeID, path: String) async throws(ClientError) -> Bool {
        var complete = true
        for entry in try await client.listAll(directory) {
            let child = path.hasSuffix("/") ? path + entry.name.description : path + "/" + entry.name.description
            do throws(ClientError) {
                if entry.type == .directory {
                    guard try await removeContents(of: entry.inode, path: child) else {
                        complete = false
                        continue
                    }
                    _ = try await client.rmdir(directory, entry.name)
                } else {
                    _ = try await client.unlink(directory, entry.name)
                }
            } catch {
                try report(error, "cannot remove \(quoted(child))")
                complete = false
            }
        }
        return complete
    }

    func removeDirectories(_ paths: [String]) async throws(ClientError) {
        for path in paths {
            do throws(ClientError) {
                guard let (directory, name) = try await parentAndName(path) else { throw .fs(.notPermitted) }
                _ = try await client.rmdir(directory.inode, name)
            } catch {
                try report(error, "failed to remove \(quoted(path))")
            }
        }
    }

    /// `mv SRC DST`: into DST when it is a directory, else renamed to DST.
    func move(_ source: String, to destination: String) async throws(ClientError) {
        do throws(ClientError) {
            guard let (from, name) = try await parentAndName(source) else { throw .fs(.invalidArgument) }
            if let target = try? await client.resolve(destination), target.type == .directory {
                _ = try await client.rename(from.inode, name, to: target.inode, name)
                return
            }
            guard let (to, newName) = try await parentAndName(destination) else { throw .fs(.invalidArgument) }
            _ = try await client.rename(from.inode, name, to: to.inode, newName)
        } catch {
            try report(error, "cannot move \(quoted(source)) to \(quoted(destination))")
        }
    }
}
