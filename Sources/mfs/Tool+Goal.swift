import MFSClient
import MFSCore
import MFSMetadata

/// `getgoal`, `setgoal`, `readlink` and `info`.
extension Tool {
    func getGoals(_ paths: [String], recursive: Bool) async throws(ClientError) {
        for path in paths {
            do throws(ClientError) {
                let attributes = try await client.resolve(path)
                guard recursive else {
                    print("\(path): \(try await client.getGoal(attributes.inode))")
                    continue
                }
                var counts = GoalCounts()
                try await count(attributes.inode, type: attributes.type, into: &counts)
                print("\(path):")
                for line in counts.lines { print(line) }
            } catch {
                try report(error, "cannot get the goal of \(quoted(path))")
            }
        }
    }

    private func count(_ inode: InodeID, type: NodeType, into counts: inout GoalCounts) async throws(ClientError) {
        counts.add(try await client.getGoal(inode), directory: type == .directory)
        guard type == .directory else { return }
        for entry in try await client.listAll(inode) { try await count(entry.inode, type: entry.type, into: &counts) }
    }

    func setGoals(_ paths: [String], goal: UInt8, recursive: Bool) async throws(ClientError) {
        for path in paths {
            do throws(ClientError) {
                let attributes = try await client.resolve(path)
                let changed = try await client.setGoal(attributes.inode, goal, recursive: recursive)
                if recursive {
                    print("\(path):\n inodes with goal changed: \(changed)")
                } else {
                    print("\(path): \(goal)")
                }
            } catch {
                try report(error, "cannot set the goal of \(quoted(path))")
            }
        }
    }

    func readlinks(_ paths: [String]) async throws(ClientError) {
        for path in paths {
            do throws(ClientError) {
                let attributes = try await client.resolve(path)
                guard attributes.type == .symlink else { throw .fs(.invalidArgument) }
                print(String(decoding: try await client.readlink(attributes.inode), as: UTF8.self))
            } catch {
                try report(error, "cannot read link \(quoted(path))")
            }
        }
    }

    func info() async throws(ClientError) {
        let info = try await client.info()
        let grant = client.grant
        print("master:            \(client.currentMaster?.description ?? "?")")
        print("session:           \(grant.session)\(grant.readOnly ? " (read-only)" : "")")
        print("root inode:        \(grant.root)")
        print("metadata version:  \(info.metaVersion)")
        print("inodes:            \(info.inodeCount)")
        print("chunks:            \(info.chunkCount)")
        print("total space:       \(info.totalBytes)")
        print("available space:   \(info.availableBytes)")
    }
}

/// How many files and directories have each goal, for `getgoal -r` (MooseFS's layout).
struct GoalCounts {
    private var files: [UInt8: Int] = [:]
    private var directories: [UInt8: Int] = [:]

    mutating func add(_ goal: UInt8, directory: Bool) {
        if directory { directories[goal, default: 0] += 1 } else { files[goal, default: 0] += 1 }
    }

    var lines: [String] {
        files.keys.sorted().map { " files with goal \($0): \(files[$0]!)" }
            + directories.keys.sorted().map { " directories with goal \($0): \(directories[$0]!)" }
    }
}
