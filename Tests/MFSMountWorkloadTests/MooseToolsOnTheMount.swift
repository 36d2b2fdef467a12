import Foundation
import MFSTestSupport
import Testing

/// MooseFS's own tools (`mfscheckfile`, `mfsfileinfo`, `mfsdirinfo`, `mfsgetsclass -r`,
/// `mfsfilepaths`, `mfslistsclass`, `mfsgeteattr`, `mfssetsclass`) on a mount of our master: they reach it
/// through mfsmount's proxy, on the mount's session. Then a mount of a subdirectory, whose
/// session reaches the files under it by inode.
enum MooseToolsOnTheMount {
    static func check(_ lab: WorkloadLab) {
        let top = "\(lab.mount)/tools"
        let big = 64 << 20 + 1  // two chunks, the second of one byte
        let made = lab.shell(
            """
            set -e; mkdir -p \(top)/d/e; head -c \(big) /dev/urandom > \(top)/big; printf abc > \(top)/small
            printf x > \(top)/d/e/f; ln \(top)/d/e/f \(top)/d/hard; ln -s small \(top)/sl; sync
            """)
        #expect(made.status == 0, "making the tools tree: \(made.output)")

        // Two chunkservers, goal 2: both chunks of `big` have two valid copies.
        let checked = lab.tool("mfscheckfile \(top)/big")
        #expect(checked.contains("chunks with 2 copies:") && checked.contains(" 2\n"), "mfscheckfile: \(checked)")
        let info = lab.tool("mfsfileinfo \(top)/big")
        #expect(info.components(separatedBy: "status:VALID").count - 1 == 4, "mfsfileinfo: four valid copies: \(info)")
        #expect(info.contains("chunk 0:") && info.contains("chunk 1:"), "mfsfileinfo: \(info)")

        // mfsdirinfo counts a hard-linked file once per link, as MooseFS's master does. Each
        // chunk takes its blocks up to the length plus an 8 KiB header.
        let block = 65_536 + 8_192
        let size = (64 << 20) + 8_192 + block + block + 2 * block
        let expected = [
            "inodes": 8, "directories": 3, "files": 4, "chunks": 5, "length": big + 3 + 2 * 1 + 5, "size": size, "realsize": 2 * size,
        ]
        let stats = lab.tool("mfsdirinfo -n \(top)")
        for (field, value) in expected {
            let line = stats.split(separator: "\n").first { $0.contains("\(field):") }
            #expect(line.map { $0.split(separator: " ").last == Substring("\(value)") } ?? false, "mfsdirinfo \(field) \(value): \(stats)")
        }

        let classes = lab.tool("mfsgetsclass -r \(top)")
        #expect(classes.contains("files with goal") && classes.contains("directories with goal"), "mfsgetsclass -r: \(classes)")
        #expect(classes.split(separator: "\n").contains { $0.contains("directories with goal") && $0.hasSuffix(" 3") }, "\(classes)")
        #expect(classes.split(separator: "\n").contains { $0.contains("files with goal") && $0.hasSuffix(" 5") }, "\(classes)")
        let paths = lab.tool("mfsfilepaths \(top)/d/e/f")
        #expect(paths.contains("tools/d/e/f") && paths.contains("tools/d/hard"), "mfsfilepaths: \(paths)")
        let list = lab.tool("mfslistsclass \(top)")
        #expect((1...9).allSatisfy { list.split(separator: "\n").contains(Substring("\($0)")) }, "mfslistsclass: \(list)")
        let eattr = lab.tool("mfsgeteattr \(top)/small")
        #expect(eattr.contains("small: -"), "mfsgeteattr: \(eattr)")
        // mfssetsclass with one of the classes the master lists ("1"…"9": goals) changes the
        // file's goal, which mfsgetsclass reads back; a class it does not have is refused.
        let set = lab.tool("mfssetsclass 3 \(top)/small")
        #expect(set.contains("small: storage class: '3'") || set.contains("small: goal: 3"), "mfssetsclass 3: \(set)")
        let got = lab.tool("mfsgetsclass \(top)/small")
        #expect(got.contains("small: 3") || got.contains("small: '3'"), "mfsgetsclass after mfssetsclass 3: \(got)")
        let refused = lab.tool("mfssetsclass archive \(top)/small")
        #expect(!refused.contains("storage class: 'archive'"), "mfssetsclass archive: \(refused)")
        _ = lab.tool("mfssetsclass 2 \(top)/small")

        // A mount of /tools: its session is rooted there and reaches its files by inode.
        let sub = lab.lab.path("mnt-sub")
        try? FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        let mounted = lab.mountAt(sub, extra: ["-S", "/tools"])
        #expect(mounted.status == 0, "mfsmount -S /tools: \(mounted.output)")
        guard mounted.status == 0 else { return }
        defer { lab.unmount(sub) }
        let read = lab.shell("cat \(sub)/d/e/f && cmp \(sub)/big \(top)/big && echo same")
        #expect(read.output == "xsame\n", "reading through the subdirectory mount: \(read.output)")
        let subPaths = lab.tool("mfsfilepaths \(sub)/d/hard")
        #expect(subPaths.contains("\n\(sub)/d/e/f") || subPaths.contains("d/e/f"), "mfsfilepaths under /tools: \(subPaths)")
        #expect(!subPaths.contains("tools/"), "a path outside the subdirectory's session: \(subPaths)")
        let subCheck = lab.tool("mfscheckfile \(sub)/big")
        #expect(subCheck.contains("chunks with 2 copies:"), "mfscheckfile under /tools: \(subCheck)")
        // Rotated hard-linked backups (rsnapshot, rsync --link-dest): the oldest tree, where
        // every file was created, goes; the files stay reachable through the newer one.
        let rotated = lab.shell(
            """
            set -e; cd \(sub); mkdir -p daily.0/etc; printf conf > daily.0/etc/conf; cp -al daily.0 daily.1
            rm -rf daily.0; cat daily.1/etc/conf; printf more >> daily.1/etc/conf; cat daily.1/etc/conf
            """)
        #expect(rotated.output == "confconfmore", "a hard-linked file after its first directory went: \(rotated.output)")
        let rotatedPaths = lab.tool("mfsfilepaths \(sub)/daily.1/etc/conf")
        #expect(rotatedPaths.contains("daily.1/etc/conf"), "mfsfilepaths: \(rotatedPaths)")
        // A file made outside the subdirectory and hard-linked into it is reached through the link.
        let outside = lab.shell(
            "set -e; mkdir -p \(lab.mount)/outside; printf out > \(lab.mount)/outside/o; ln \(lab.mount)/outside/o \(top)/o-link; cat \(sub)/o-link"
        )
        #expect(outside.output == "out", "a file linked into the subdirectory from outside: \(outside.output)")
    }
}
