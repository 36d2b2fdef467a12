import MFSClient
import MFSCore
import MFSMetadata

/// `ls` and `stat`.
extension Tool {
    func list(_ paths: [String], long: Bool, all: Bool) async throws(ClientError) {
        for (index, path) in paths.enumerated() {
            let attributes: Attributes
            do throws(ClientError) {
                attributes = try await client.resolve(path)
            } catch {
                try report(error, "cannot access \(quoted(path))")
                continue
            }
            guard attributes.type == .directory else {
                try await printEntries([(path, attributes)], long: long)
                continue
            }
            if paths.count > 1 { print("\(index > 0 ? "\n" : "")\(path):") }
            do throws(ClientError) {
                let entries = try await client.listAll(attributes.inode)
                    .filter { all || $0.name.bytes.first != UInt8(ascii: ".") }
                    .sorted { $0.name < $1.name }
                var rows: [(String, Attributes)] = []
                if long {
                    for entry in entries { rows.append((entry.name.description, try await client.getAttributes(entry.inode))) }
                } else {
                    for entry in entries { print(entry.name.description) }
                }
                try await printEntries(rows, long: long)
            } catch {
                try report(error, "cannot open directory \(quoted(path))")
            }
        }
    }

    /// Long format: mode, links, uid, gid, length, mtime, name (`-> target` for a symlink);
    /// columns aligned over the listing.
    private func printEntries(_ rows: [(name: String, attributes: Attributes)], long: Bool) async throws(ClientError) {
        guard long else {
            for row in rows { print(row.name) }
            return
        }
        let links = rows.map { String($0.attributes.nlink) }
        let owners = rows.map { String($0.attributes.uid) }
        let groups = rows.map { String($0.attributes.gid) }
        let sizes = rows.map { String($0.attributes.length) }
        for (index, row) in rows.enumerated() {
            var line = "\(Format.mode(row.attributes)) \(Format.right(links[index], links)) "
            line += "\(Format.left(owners[index], owners)) \(Format.left(groups[index], groups)) "
            line += "\(Format.right(sizes[index], sizes)) \(Format.time(row.attributes.mtime, seconds: false)) \(row.name)"
            if row.attributes.type == .symlink {
                line += " -> \(String(decoding: try await client.readlink(row.attributes.inode), as: UTF8.self))"
            }
            print(line)
        }
    }

    func stat(_ paths: [String]) async throws(ClientError) {
        for path in paths {
            do throws(ClientError) {
                let a = try await client.resolve(path)
                var target = ""
                if a.type == .symlink { target = " -> \(String(decoding: try await client.readlink(a.inode), as: UTF8.self))" }
                print("  File: \(path)\(target)")
                print("  Size: \(a.length)\tType: \(Format.typeName(a.type))")
                print(" Inode: \(a.inode)\tLinks: \(a.nlink)\tGoal: \(a.goal)\(a.rdev != 0 ? "\tDevice: \(a.rdev)" : "")")
                print("Access: (\(Format.octal(a.mode))/\(Format.mode(a)))\tUid: \(a.uid)\tGid: \(a.gid)")
                print("Access: \(Format.time(a.atime, seconds: true))")
                print("Modify: \(Format.time(a.mtime, seconds: true))")
                print("Change: \(Format.time(a.ctime, seconds: true))")
            } catch {
                try report(error, "cannot stat \(quoted(path))")
            }
        }
    }
}
