import Foundation
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The lab every workload shares: our master and two of our chunkservers in network
/// namespaces, and three mfsmounts of it (default cache mode, as users run it) whose daemons
/// sit in the client host's namespace while the mount points live in the test's mount
/// namespace, so the workloads run as ordinary commands here. `local` is the directory each
/// workload also runs in, for comparison. `stop` unmounts and removes everything.
final class WorkloadLab {
    let lab: NetnsLab
    let local: String
    let mount: String
    /// A second mount of the same file system (two mounts seeing each other's changes).
    let second: String
    /// A mount of its own for the unlinked file (ending it releases the file).
    let third: String
    private var mounted: [String] = []
    private var daemons: [Process] = []
    private(set) var ready = false

    init(prefix: String) throws {
        lab = try NetnsLab(prefix: prefix, hosts: ["m", "c1", "c2", "cl"])
        local = lab.path("local")
        mount = lab.path("mnt")
        second = lab.path("mnt2")
        third = lab.path("mnt3")
    }

    func start() throws {
        let master = lab.host("m").address
        let data = lab.path("m-data")
        for directory in [data, local, mount, second, third] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try lab.write("mfsexports.cfg", "*  /  rw,alldirs,maproot=0\n")
        // The chunk loop (deletions of released files' chunks among its jobs) starts
        // REPLICATIONS_DELAY_INIT (60 s) after the master became active: at once here.
        try lab.write(
            "mfsmaster.cfg",
            "DATA_PATH = \(data)\nEXPORTS_FILENAME = \(lab.path("mfsexports.cfg"))\nSYNC_REPLICAS = 0\n"
                + "REPLICATIONS_DELAY_INIT = 0\n")
        try lab.spawn("m", [MasterProcess.binaryPath("mfsmaster"), "-c", lab.path("mfsmaster.cfg")], log: lab.path("master.log"))
        for name in ["c1", "c2"] { try lab.startChunkserver(name, master: master) }
        let registered = waitUntil(30) { ["c1", "c2"].allSatisfy { self.lab.read("\($0).log").contains("registered with the master") } }
        #expect(registered, "chunkservers did not register:\n\(lab.read("c1.log"))\n\(lab.read("master.log").suffix(3_000))")
        guard registered else { return }
        for point in [mount, second, third] {
            let result = mountAt(point)
            #expect(result.status == 0, "mfsmount \(point): \(result.output)\n\(lab.read("master.log").suffix(3_000))")
            guard result.status == 0 else { return }
        }
        lab.mark("master, 2 chunkservers, 3 mounts up")
        ready = true
    }

    /// mfsmount in the client's network namespace, its mount point in ours: in the foreground
    /// (`-f`), a child of the test, so nothing here waits on a daemon that never reports back.
    func mountAt(_ point: String, extra: [String] = []) -> (status: Int32, output: String) {
        let log = "\(point).log"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments =
            [
                "--net=/run/netns/\(lab.host("cl").namespace)", "/usr/bin/mfsmount", point, "-f", "-H", lab.host("m").address, "-o",
                "mfsioretries=30",
            ] + extra
        FileManager.default.createFile(atPath: log, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: log) else { return (1, "cannot write \(log)") }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (1, "\(error)") }
        daemons.append(process)
        let up = waitUntil(30) { self.shell("mountpoint -q \(point)").status == 0 }
        if up { mounted.append(point) }
        return (up ? 0 : 1, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    func unmount(_ point: String) {
        shell("umount \(point) 2>/dev/null || umount -l \(point)")
        mounted.removeAll { $0 == point }
    }

    func stop() {
        for point in mounted { shell("umount \(point) 2>/dev/null || umount -l \(point) 2>/dev/null") }
        mounted = []
        for daemon in daemons where daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        daemons = []
        lab.teardown()
    }

    @discardableResult
    func shell(_ command: String) -> (status: Int32, output: String) { NetnsLab.shell(command) }

    /// A MooseFS tool in the client host's network namespace, where mfsmount's proxy listens
    /// (the tools reach the master through it).
    func tool(_ command: String) -> String {
        shell("nsenter --net=/run/netns/\(lab.host("cl").namespace) \(command) 2>&1").output
    }

    /// Runs `text` (bash, or python3 with `python`) with `arguments`.
    @discardableResult
    func script(_ name: String, _ text: String, _ arguments: [String], python: Bool = false) -> (status: Int32, output: String) {
        let file = lab.path("\(name).\(python ? "py" : "sh")")
        try? lab.write(file.components(separatedBy: "/").last!, text)
        let quoted = arguments.map { "'\($0)'" }.joined(separator: " ")
        return shell("\(python ? "/usr/bin/python3" : "bash") \(file) \(quoted) 2>&1")
    }

    /// Runs a workload on the local directory and on the mount (`on`, else `mount`); both
    /// must succeed with the same output (lines starting with `ignoring` left out), and, with
    /// `tree`, leave the same tree there (`listing`). `{side}` in an argument becomes `local`
    /// or `mount`. Returns the mount's whole output.
    @discardableResult
    func compare(
        _ name: String, _ text: String, _ arguments: [String], python: Bool = false, nodirtimes: Bool = false, on: String? = nil,
        ignoring: String? = nil, tree: ((String) -> String)? = nil
    ) -> String {
        let started = monotonicNanoseconds()
        var outputs: [String] = []
        var raw = ""
        var trees: [String] = []
        for (side, directory) in [("local", local), ("mount", on ?? mount)] {
            let result = script(
                name, text, [directory] + arguments.map { $0.replacingOccurrences(of: "{side}", with: side) }, python: python)
            #expect(result.status == 0, "\(name) on the \(side) directory failed: \(result.output.suffix(3_000))")
            raw = result.output
            outputs.append(
                result.output.split(separator: "\n").filter { ignoring == nil || !$0.hasPrefix(ignoring!) }.joined(separator: "\n"))
            if let tree { trees.append(listing(tree(directory), nodirtimes: nodirtimes)) }
        }
        #expect(outputs[0] == outputs[1], "\(name): the mount's output differs:\n\(Self.difference(outputs[0], outputs[1]))")
        if trees.count == 2 {
            #expect(trees[0] == trees[1], "\(name): the trees differ:\n\(Self.difference(trees[0], trees[1]))")
        }
        lab.mark("\(name) done in \((monotonicNanoseconds() - started) / 1_000_000) ms")
        return raw
    }

    func listing(_ directory: String, nodirtimes: Bool = false) -> String {
        script("listing", WorkloadScripts.listing, [directory, nodirtimes ? "nodirtimes" : "all"]).output
    }

    /// The first lines where `a` and `b` differ, for a readable failure.
    static func difference(_ a: String, _ b: String) -> String {
        let (left, right) = (
            a.split(separator: "\n", omittingEmptySubsequences: false), b.split(separator: "\n", omittingEmptySubsequences: false)
        )
        var shown: [String] = []
        for index in 0..<max(left.count, right.count) where shown.count < 20 {
            let (l, r) = (index < left.count ? left[index] : "∅", index < right.count ? right[index] : "∅")
            if l != r { shown.append("local: \(l)\nmount: \(r)") }
        }
        return shown.joined(separator: "\n")
    }

    /// The chunk ids the master's changelog gave `inode` (`ADDCHUNK(inode,index):chunk`).
    func chunks(ofInode inode: String) -> [UInt64] {
        let changelog = lab.read("m-data/changelog.0.mfs")
        return changelog.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "|ADDCHUNK(\(inode),") else { return nil }
            let tail = line[range.upperBound...]
            guard let colon = tail.firstIndex(of: ":") else { return nil }
            return UInt64(tail[tail.index(after: colon)...].prefix { $0.isNumber })
        }
    }

    /// The files of `chunk` on either chunkserver.
    func chunkFiles(_ chunk: UInt64) -> String {
        let name = String(format: "chunk_%016llX_*", chunk)
        return shell("find \(lab.path("c1-chunks")) \(lab.path("c2-chunks")) -name '\(name)' 2>/dev/null").output
    }
}

/// A setup step that must work.
extension NetnsLab {
    static func must(_ result: (status: Int32, output: String), _ what: String) throws {
        guard result.status == 0 else { throw LabError(message: "\(what): exit \(result.status): \(result.output.suffix(2_000))") }
    }
}
