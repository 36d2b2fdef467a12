import Foundation
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The `mfs` command line tool end to end: the real binary against a real master, checking
/// what it prints, its exit status (0 done, 1 an operation failed, 2 bad usage) and what the
/// namespace holds afterwards.
@Suite(.serialized) struct MfsToolTests {
    /// What one run of `mfs` did.
    struct Run: CustomStringConvertible {
        var status: Int32
        var out: String
        var err: String
        var seconds: Double
        var description: String { "exit \(status)\nstdout:\n\(out)stderr:\n\(err)" }
    }

    static var mfsBinary: String {
        URL(fileURLWithPath: MasterProcess.binary).deletingLastPathComponent().appendingPathComponent("mfs").path
    }

    /// Runs `mfs` with `-H masters` (when given) before the arguments, without `MFS_MASTER`
    /// from the test's environment unless `environment` sets it. Killed after 30 s.
    static func mfs(_ arguments: [String], masters: String?, environment: [String: String] = [:]) throws -> Run {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mfs-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out")
        let errURL = scratch.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mfsBinary)
        process.arguments = (masters.map { ["-H", $0] } ?? []) + arguments
        var env = ProcessInfo.processInfo.environment
        env["MFS_MASTER"] = nil
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = out
        process.standardError = err
        let started = Date()
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { usleep(5_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(started)
        try out.close()
        try err.close()
        return Run(
            status: process.terminationStatus, out: try String(contentsOf: outURL, encoding: .utf8),
            err: try String(contentsOf: errURL, encoding: .utf8), seconds: seconds)
    }

    /// A started master and `mfs` pointed at it.
    struct Cluster {
        let master: MasterProcess
        var address: String { "127.0.0.1:\(master.clientPort)" }

        init(exports: String = "*  /  rw,alldirs,maproot=0\n") throws {
            master = try MasterProcess(exports: exports)
            try master.start()
        }

        func mfs(_ arguments: String...) throws -> Run { try MfsToolTests.mfs(arguments, masters: address) }
        func mfs(_ arguments: [String]) throws -> Run { try MfsToolTests.mfs(arguments, masters: address) }
    }

    /// `count` loopback ports on which nothing listens: each is bound (so no one else takes
    /// it) but not listening, so a connect is refused, until `body` returns.
    static func withDeadPorts<T>(_ count: Int, _ body: ([Int]) throws -> T) rethrows -> T {
        var sockets: [Int32] = []
        var ports: [Int] = []
        defer { for fd in sockets { close(fd) } }
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    _ = bind(fd, $0, length)
                    _ = getsockname(fd, $0, &length)
                }
            }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return try body(ports)
    }

    // MARK: the commands

    @Test func directoriesFilesAndLinksAreMadeMovedAndRemoved() throws {
        let c = try Cluster()
        var r = try c.mfs("mkdir", "-m", "755", "/a")
        #expect(r.status == 0 && r.out.isEmpty && r.err.isEmpty, "\(r)")
        r = try c.mfs("mkdir", "-p", "-m", "700", "/a/b/c")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("mkdir", "-p", "/a/b")  // present already: fine with -p
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("touch", "/a/f")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")

        r = try c.mfs("ls", "/")
        #expect(r.status == 0 && r.out == "a\n", "\(r)")
        r = try c.mfs("ls", "/a")
        #expect(r.status == 0 && r.out == "b\nf\n", "\(r)")
        r = try c.mfs("ls", "/a/b")
        #expect(r.status == 0 && r.out == "c\n", "\(r)")
        r = try c.mfs("stat", "/a/b/c")
        #expect(r.status == 0 && r.out.contains("Type: directory") && r.out.contains("(0700/drwx------)"), "\(r)")
        r = try c.mfs("stat", "/a/f")
        #expect(r.status == 0, "\(r)")
        #expect(r.out.contains("  File: /a/f\n") && r.out.contains("Size: 0\tType: regular file"), "\(r)")
        #expect(r.out.contains("Links: 1\tGoal: 2") && r.out.contains("Uid: 0\tGid: 0"), "\(r)")

        // mv: a rename, then into a directory.
        r = try c.mfs("mv", "/a/f", "/a/g")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("mv", "/a/g", "/a/b")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("ls", "/a", "/a/b")
        #expect(r.status == 0 && r.out == "/a:\nb\n\n/a/b:\nc\ng\n", "\(r)")

        // ln: a hard link counts, a symlink points.
        r = try c.mfs("ln", "/a/b/g", "/hard")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("stat", "/a/b/g")
        #expect(r.out.contains("Links: 2"), "\(r)")
        r = try c.mfs("ln", "-s", "a/b/g", "/soft")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("readlink", "/soft")
        #expect(r.status == 0 && r.out == "a/b/g\n", "\(r)")
        r = try c.mfs("ln", "-s", "/elsewhere", "/a")  // into a directory, named after the target
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("readlink", "/a/elsewhere")
        #expect(r.status == 0 && r.out == "/elsewhere\n", "\(r)")

        r = try c.mfs("ls", "-l", "/")
        #expect(r.status == 0, "\(r)")
        let lines = r.out.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(r)")
        if lines.count == 3 {
            // mode, links, uid, gid, size, date, time, name [-> target]
            let fields = lines.map { $0.split(separator: " ").map(String.init) }
            #expect(fields[0].first == "drwxr-xr-x" && fields[0][1...3] == ["3", "0", "0"] && fields[0].last == "a", "\(lines[0])")
            #expect(fields[1].first?.hasPrefix("-rw") == true && fields[1][1...4] == ["2", "0", "0", "0"], "\(lines[1])")
            #expect(fields[1].last == "hard", "\(lines[1])")
            #expect(fields[2].first == "lrwxrwxrwx" && fields[2][1...4] == ["1", "0", "0", "5"], "\(lines[2])")
            #expect(fields[2].suffix(3) == ["soft", "->", "a/b/g"], "\(lines[2])")
        }
        r = try c.mfs("stat", "/soft")
        #expect(r.out.contains("  File: /soft -> a/b/g\n") && r.out.contains("Type: symbolic link"), "\(r)")

        // touch of an existing file sets its times, and changes nothing else.
        r = try c.mfs("touch", "/hard")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("stat", "/hard")
        #expect(r.out.contains("Links: 2") && r.out.contains("Size: 0"), "\(r)")

        // rm, rmdir, rm -r.
        r = try c.mfs("rm", "/hard", "/soft")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("stat", "/a/b/g")
        #expect(r.out.contains("Links: 1"), "\(r)")
        r = try c.mfs("rmdir", "/a/b/c")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("ls", "/a/b")
        #expect(r.out == "g\n", "\(r)")
        r = try c.mfs("rm", "-r", "/a")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("ls", "-a", "/")
        #expect(r.status == 0 && r.out.isEmpty, "\(r)")

        // The master agrees: only the root is left.
        #expect(c.master.stop() == 0)
        #expect(try c.master.dumpedNamespace().inodeCount == 1)
    }

    @Test func goalsAreShownAndSetAloneOrRecursively() throws {
        let c = try Cluster()
        _ = try c.mfs("mkdir", "-p", "/d/e")
        _ = try c.mfs("touch", "/d/f")
        var r = try c.mfs("getgoal", "/d", "/d/f")
        #expect(r.status == 0 && r.out == "/d: 2\n/d/f: 2\n", "\(r)")
        r = try c.mfs("setgoal", "3", "/d/f")
        #expect(r.status == 0 && r.out == "/d/f: 3\n", "\(r)")
        r = try c.mfs("getgoal", "/d/f")
        #expect(r.out == "/d/f: 3\n", "\(r)")
        r = try c.mfs("setgoal", "-r", "4", "/d")
        #expect(r.status == 0 && r.out == "/d:\n inodes with goal changed: 3\n", "\(r)")
        r = try c.mfs("getgoal", "-r", "/d")
        #expect(r.status == 0 && r.out == "/d:\n files with goal 4: 1\n directories with goal 4: 2\n", "\(r)")
        r = try c.mfs("setgoal", "9", "/d/e")
        #expect(r.status == 0 && r.out == "/d/e: 9\n", "\(r)")
        r = try c.mfs("stat", "/d/e")
        #expect(r.out.contains("Goal: 9"), "\(r)")

        // Outside 1-9: a usage error, and nothing changes.
        for bad in ["0", "10", "255", "256", "two", " 3", ""] {
            r = try c.mfs("setgoal", bad, "/d/f")
            #expect(r.status == 2, "setgoal \(bad): \(r)")
            #expect(r.err.hasPrefix("mfs: setgoal: invalid goal '\(bad)' (a number 1-9)\nusage: mfs"), "setgoal \(bad): \(r)")
        }
        r = try c.mfs("getgoal", "-r", "/d")
        #expect(r.out == "/d:\n files with goal 4: 1\n directories with goal 4: 1\n directories with goal 9: 1\n", "\(r)")

        r = try c.mfs("getgoal", "/nope")
        #expect(r.status == 1 && r.err == "mfs: cannot get the goal of '/nope': No such file or directory\n", "\(r)")
    }

    /// An export's maxgoal is the master's to enforce: 1-9 passes the tool, the master refuses
    /// past the export's limit.
    @Test func theExportsGoalLimitIsEnforcedByTheMaster() throws {
        let c = try Cluster(exports: "*  /  rw,alldirs,maproot=0,maxgoal=3\n")
        _ = try c.mfs("touch", "/f")
        var r = try c.mfs("setgoal", "5", "/f")
        #expect(r.status == 1 && r.err == "mfs: cannot set the goal of '/f': Operation not permitted\n", "\(r)")
        r = try c.mfs("setgoal", "3", "/f")
        #expect(r.status == 0 && r.out == "/f: 3\n", "\(r)")
        r = try c.mfs("getgoal", "/f")
        #expect(r.out == "/f: 3\n", "\(r)")
    }

    @Test func infoShowsTheMasterAndItsFigures() throws {
        let c = try Cluster()
        _ = try c.mfs("mkdir", "/x", "/y")
        let r = try c.mfs("info")
        #expect(r.status == 0, "\(r)")
        #expect(r.out.contains("master:            \(c.address)\n") && r.out.contains("root inode:        1\n"), "\(r)")
        #expect(r.out.contains("inodes:            3\n") && r.out.contains("chunks:            0\n"), "\(r)")
    }

    // MARK: exit statuses

    /// A failed operation is said as coreutils says it, the run goes on with the next path,
    /// and the exit status is 1.
    @Test func failuresAreReportedPerPathWithExitOne() throws {
        let c = try Cluster()
        _ = try c.mfs("mkdir", "-p", "/d/sub")
        _ = try c.mfs("touch", "/d/f", "/keep", "/gone")
        var r = try c.mfs("rm", "/x")
        #expect(r.status == 1 && r.out.isEmpty && r.err == "mfs: cannot remove '/x': No such file or directory\n", "\(r)")
        r = try c.mfs("rm", "-f", "/x")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("rm", "/x", "/gone")  // the second is removed all the same
        #expect(r.status == 1 && r.err == "mfs: cannot remove '/x': No such file or directory\n", "\(r)")
        r = try c.mfs("rm", "/d")
        #expect(r.status == 1 && r.err == "mfs: cannot remove '/d': Is a directory\n", "\(r)")
        r = try c.mfs("rmdir", "/d")
        #expect(r.status == 1 && r.err == "mfs: failed to remove '/d': Directory not empty\n", "\(r)")
        r = try c.mfs("mkdir", "/d")
        #expect(r.status == 1 && r.err == "mfs: cannot create directory '/d': File exists\n", "\(r)")
        r = try c.mfs("mkdir", "/no/such")
        #expect(r.status == 1 && r.err == "mfs: cannot create directory '/no/such': No such file or directory\n", "\(r)")
        r = try c.mfs("stat", "/nope", "/keep")
        #expect(r.status == 1 && r.err == "mfs: cannot stat '/nope': No such file or directory\n", "\(r)")
        #expect(r.out.contains("  File: /keep\n"), "\(r)")
        r = try c.mfs("ls", "/nope")
        #expect(r.status == 1 && r.err == "mfs: cannot access '/nope': No such file or directory\n", "\(r)")
        r = try c.mfs("readlink", "/keep")
        #expect(r.status == 1 && r.err == "mfs: cannot read link '/keep': Invalid argument\n", "\(r)")
        r = try c.mfs("ln", "/d", "/d2")
        #expect(r.status == 1 && r.err == "mfs: '/d': hard link not allowed for directory\n", "\(r)")
        r = try c.mfs("mv", "/nope", "/d")
        #expect(r.status == 1 && r.err == "mfs: cannot move '/nope' to '/d': No such file or directory\n", "\(r)")
        r = try c.mfs("touch", "/keep/x")
        #expect(r.status == 1 && r.err == "mfs: cannot touch '/keep/x': Not a directory\n", "\(r)")
        r = try c.mfs("rm", "/")
        #expect(r.status == 1 && r.err == "mfs: cannot remove '/': it is the root of the mount\n", "\(r)")

        // Nothing was changed by the failures; /gone went.
        r = try c.mfs("ls", "/", "/d")
        #expect(r.out == "/:\nd\nkeep\n\n/d:\nf\nsub\n", "\(r)")
    }

    /// A command line that makes no sense exits 2 with the usage, before any master is
    /// contacted (none listens here).
    @Test func badUsageExitsTwoWithoutContactingTheMaster() throws {
        try Self.withDeadPorts(1) { ports in try badUsage(masters: "127.0.0.1:\(ports[0])") }
    }

    private func badUsage(masters dead: String) throws {
        let cases: [([String], String)] = [
            ([], "mfs: missing command\n"),
            (["bogus"], "mfs: unknown command 'bogus'\n"),
            (["--bogus", "ls"], "mfs: unknown option --bogus\n"),
            (["ls", "-z", "/"], "mfs: ls: unknown option -z\n"),
            (["mv", "/a"], "mfs: mv: missing destination operand\n"),
            (["mv", "/a", "/b", "/c"], "mfs: mv: too many operands\n"),
            (["mkdir"], "mfs: mkdir: missing operand\n"),
            (["mkdir", "-m", "999", "/x"], "mfs: mkdir: invalid mode '999' (an octal number 0-7777)\n"),
            (["mkdir", "-m"], "mfs: mkdir: option -m needs a value\n"),
            (["setgoal"], "mfs: setgoal: missing goal\n"),
            (["setgoal", "3"], "mfs: setgoal: missing operand\n"),
            (["setgoal", "0", "/a"], "mfs: setgoal: invalid goal '0' (a number 1-9)\n"),
            (["setgoal", "-r", "10", "/a"], "mfs: setgoal: invalid goal '10' (a number 1-9)\n"),
            (["info", "extra"], "mfs: info: too many operands\n"),
            (["--mount"], "mfs: option --mount needs a value\n"),
        ]
        for (arguments, message) in cases {
            let r = try Self.mfs(arguments, masters: dead)
            #expect(r.status == 2 && r.out.isEmpty, "\(arguments): \(r)")
            #expect(r.err.hasPrefix(message) && r.err.contains("usage: mfs [-H host"), "\(arguments): \(r)")
        }
        let badList = try Self.mfs(["-H", "a:0,", "ls"], masters: nil)
        #expect(badList.status == 2 && badList.err.hasPrefix("mfs: bad master address: "), "\(badList)")
        let help = try Self.mfs(["--help"], masters: dead)
        #expect(help.status == 0 && help.out.hasPrefix("usage: mfs") && help.out.contains("setgoal [-r] GOAL PATH..."), "\(help)")
    }

    // MARK: masters

    /// `-H` (or `MFS_MASTER`) lists masters to try in order: a dead first one is passed over.
    @Test func aDeadFirstMasterIsPassedOver() throws {
        let c = try Cluster()
        try Self.withDeadPorts(1) { ports in
            let dead = "127.0.0.1:\(ports[0])"
            let list = "\(dead),\(c.address)"
            var r = try Self.mfs(["mkdir", "/over"], masters: list)
            #expect(r.status == 0 && r.err.isEmpty, "\(r)")
            r = try Self.mfs(["info"], masters: list)
            #expect(r.status == 0 && r.out.contains("master:            \(c.address)\n"), "\(r)")
            r = try Self.mfs(["ls", "/"], masters: nil, environment: ["MFS_MASTER": list])
            #expect(r.status == 0 && r.out == "over\n", "\(r)")
            r = try Self.mfs(["ls", "/"], masters: c.address, environment: ["MFS_MASTER": dead])
            #expect(r.status == 0 && r.out == "over\n", "-H wins over MFS_MASTER: \(r)")
        }
    }

    @Test func anUnreachableMasterFailsFastWithExitOne() throws {
        let (r, first, second) = try Self.withDeadPorts(2) { ports in
            (try Self.mfs(["ls", "/"], masters: "127.0.0.1:\(ports[0]), 127.0.0.1:\(ports[1])"), ports[0], ports[1])
        }
        #expect(r.status == 1 && r.out.isEmpty, "\(r)")
        #expect(
            r.err
                == "mfs: cannot reach the master at 127.0.0.1:\(first): Connection refused; 127.0.0.1:\(second): Connection refused\n",
            "\(r)")
        #expect(r.seconds < 5, "took \(r.seconds) s")
    }

    /// A client without a password answers the challenge for the empty password: the master
    /// admits it under the best line that needs none, or says a password is wanted.
    @Test func passwordsDecideTheExportLine() throws {
        let exports = """
            127.0.0.1  /        ro
            127.0.0.1  /        rw,maproot=0,password=rootpw
            127.0.0.1  /locked  rw,maproot=0,password=lockpw

            """
        let c = try Cluster(exports: exports)
        var r = try c.mfs("-P", "rootpw", "mkdir", "/locked")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")

        // No password: the read-only line.
        r = try c.mfs("ls", "/")
        #expect(r.status == 0 && r.out == "locked\n", "\(r)")
        r = try c.mfs("info")
        #expect(r.status == 0 && r.out.contains("(read-only)"), "\(r)")
        r = try c.mfs("mkdir", "/x")
        #expect(r.status == 1 && r.err == "mfs: cannot create directory '/x': Read-only file system\n", "\(r)")

        // Only password lines cover /locked.
        r = try c.mfs("--mount", "/locked", "ls", "/")
        #expect(r.status == 1 && r.err == "mfs: the master wants a password for this export (mfs -P PASSWORD)\n", "\(r)")
        r = try c.mfs("-P", "guess", "--mount", "/locked", "ls", "/")
        #expect(r.status == 1 && r.err == "mfs: the master refused the password given with -P for this export\n", "\(r)")
        r = try c.mfs("-P", "lockpw", "--mount", "/locked", "touch", "/inside")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        r = try c.mfs("ls", "/locked")
        #expect(r.status == 0 && r.out == "inside\n", "\(r)")
    }
}
