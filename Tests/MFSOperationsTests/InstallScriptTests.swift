import Foundation
import MFSTestSupport
import Testing

/// `scripts/install.sh` into a staging directory (`--destdir`), with the debug build's binaries.
@Suite struct InstallScriptTests {
    static func install(_ destdir: String, _ extra: [String] = []) throws -> (status: Int32, out: String, err: String) {
        try Repository.script("install.sh", ["--destdir", destdir, "--from", Repository.debugBinaries] + extra)
    }

    /// Every file the script promises, at its place and mode.
    static let expectedFiles: [(path: String, mode: String)] = {
        var files: [(path: String, mode: String)] = []
        for name in ["mfsmaster", "mfsmetalogger", "mfschunkserver", "mfsannouncer", "mfsmetarestore"] {
            files.append(("usr/local/sbin/" + name, "755"))
        }
        for name in ["mfscli", "mfs"] { files.append(("usr/local/bin/" + name, "755")) }
        for name in ["mfs-promote", "mfs-demote"] { files.append(("usr/local/lib/mfs/" + name, "755")) }
        for name in Repository.units { files.append(("etc/systemd/system/" + name + ".service", "644")) }
        for name in ["mfsmaster", "mfsexports", "mfsmetalogger", "mfschunkserver", "mfshdd", "mfsannouncer"] {
            files.append(("etc/mfs/" + name + ".cfg.sample", "644"))
        }
        files.append(("usr/local/share/doc/swift-mfs/OPERATIONS.md", "644"))
        files.append(("usr/local/share/doc/swift-mfs/ha-example/mfs-a/mfsmaster.cfg", "644"))
        return files
    }()

    @Test func aSecondRunChangesNothing() throws {
        let destdir = try Repository.temporaryDirectory("install")
        defer { try? FileManager.default.removeItem(atPath: destdir) }
        let first = try Self.install(destdir)
        #expect(first.status == 0, "\(first.out)\n\(first.err)")
        for (path, mode) in Self.expectedFiles {
            let attributes = try? FileManager.default.attributesOfItem(atPath: destdir + "/" + path)
            let permissions = (attributes?[.posixPermissions] as? NSNumber).map { String($0.intValue, radix: 8) }
            #expect(permissions == mode, "\(path): \(permissions ?? "missing")")
        }
        // The binaries are the build's, byte for byte; the hooks the checkout's.
        #expect(
            FileManager.default.contentsEqual(
                atPath: destdir + "/usr/local/sbin/mfsmaster", andPath: Repository.debugBinaries + "/mfsmaster"))
        #expect(
            FileManager.default.contentsEqual(
                atPath: destdir + "/usr/local/lib/mfs/mfs-promote", andPath: Repository.path("scripts/mfs-promote")))
        // Nothing but what was promised (mfsmount is not built yet; test helpers are not installed).
        let installed = try Repository.tree(destdir)
        #expect(!installed.contains { $0.hasPrefix("usr/local/bin/mfsmount ") || $0.contains("mfsprobe") || $0.contains("mfsworkload") })
        #expect(!first.out.contains("unchanged"))

        let second = try Self.install(destdir)
        #expect(second.status == 0, "\(second.out)\n\(second.err)")
        #expect(try Repository.tree(destdir) == installed, "the second run wrote files")
        let actions = second.out.split(separator: "\n").filter { $0.hasPrefix("install ") || $0.hasPrefix("create ") }
        #expect(actions.isEmpty, "\(actions)")
        #expect(second.out.contains("everything was already installed"))

        // A changed file is put back, and only that one.
        let hook = destdir + "/usr/local/lib/mfs/mfs-demote"
        try "#!/bin/sh\nexit 0\n".write(toFile: hook, atomically: false, encoding: .utf8)
        let third = try Self.install(destdir)
        let changed = third.out.split(separator: "\n").filter { $0.hasPrefix("install ") }
        #expect(changed.count == 1 && changed.first?.hasSuffix("mfs-demote (mode 755)") == true, "\(changed)")
        #expect(FileManager.default.contentsEqual(atPath: hook, andPath: Repository.path("scripts/mfs-demote")))
    }

    /// An operator's configuration is never written: only the `.sample` beside it.
    @Test func anOperatorsConfigurationIsLeftAlone() throws {
        let destdir = try Repository.temporaryDirectory("operator")
        defer { try? FileManager.default.removeItem(atPath: destdir) }
        try FileManager.default.createDirectory(atPath: destdir + "/etc/mfs", withIntermediateDirectories: true)
        let mine = "MASTER_HOST = 169.254.10.2\n"
        try mine.write(toFile: destdir + "/etc/mfs/mfsmaster.cfg", atomically: false, encoding: .utf8)
        let run = try Self.install(destdir)
        #expect(run.status == 0, "\(run.out)\n\(run.err)")
        #expect(try String(contentsOfFile: destdir + "/etc/mfs/mfsmaster.cfg", encoding: .utf8) == mine)
        #expect(FileManager.default.fileExists(atPath: destdir + "/etc/mfs/mfsmaster.cfg.sample"))
        let configs = try FileManager.default.contentsOfDirectory(atPath: destdir + "/etc/mfs").filter { !$0.hasSuffix(".sample") }
        #expect(configs == ["mfsmaster.cfg"], "the script wrote \(configs)")
    }

    @Test func aDryRunChangesNothing() throws {
        let destdir = try Repository.temporaryDirectory("dry")
        defer { try? FileManager.default.removeItem(atPath: destdir) }
        // Into an empty staging directory: every action printed, nothing made.
        let empty = try Self.install(destdir, ["--dry-run"])
        #expect(empty.status == 0, "\(empty.out)\n\(empty.err)")
        #expect(try Repository.tree(destdir).isEmpty)
        for (path, _) in Self.expectedFiles {
            #expect(empty.out.contains("would install ") && empty.out.contains(" -> \(destdir)/\(path) "), "\(path) not announced")
        }
        #expect(empty.out.contains("dry run: nothing changed"))
        // Over an installed tree with one file changed: that file is announced, and kept as it was.
        #expect(try Self.install(destdir).status == 0)
        let unit = destdir + "/etc/systemd/system/mfsmaster.service"
        try "[Service]\nExecStart=/bin/true\n".write(toFile: unit, atomically: false, encoding: .utf8)
        let before = try Repository.tree(destdir)
        let dry = try Self.install(destdir, ["--dry-run"])
        #expect(dry.status == 0)
        #expect(try Repository.tree(destdir) == before)
        let announced = dry.out.split(separator: "\n").filter { $0.hasPrefix("would ") }
        #expect(announced.count == 1 && announced.first?.contains("mfsmaster.service") == true, "\(announced)")
    }

    /// On this host itself (no `--destdir`), where Debian's packages are asked who owns each
    /// target: every action announced, nothing made.
    @Test func aDryRunOnTheHostChangesNothing() throws {
        let targets = Self.expectedFiles.map { "/" + $0.path }
        let before = targets.map { FileManager.default.fileExists(atPath: $0) }
        let run = try Repository.script("install.sh", ["--from", Repository.debugBinaries, "--dry-run"])
        #expect(run.status == 0, "\(run.out)\n\(run.err)")
        #expect(run.out.contains(" -> /usr/local/sbin/mfsmaster ") && run.out.contains("dry run: nothing changed"), "\(run.out)")
        #expect(!run.out.contains("/usr/sbin/") && !run.out.contains("/usr/bin/"))
        #expect(targets.map { FileManager.default.fileExists(atPath: $0) } == before)
    }

    /// `/usr` (and what resolves to Debian's binary directories) is refused before anything is
    /// done: Debian's MooseFS packages own /usr/sbin/mfsmaster and the others.
    @Test(arguments: ["/usr", "/usr/", "/usr/local/..", "/", "//"])
    func aPrefixOverDebiansBinariesIsRefused(_ prefix: String) throws {
        let destdir = try Repository.temporaryDirectory("refuse")
        defer { try? FileManager.default.removeItem(atPath: destdir) }
        let run = try Self.install(destdir, ["--prefix", prefix])
        #expect(run.status == 1)
        #expect(run.err.contains("--prefix \(prefix) is refused") && run.err.contains("Debian's MooseFS packages"), "\(run.err)")
        #expect(try Repository.tree(destdir).isEmpty)
        #expect(run.out.isEmpty)
    }

    @Test func badArgumentsAreNamed() throws {
        let relative = try Repository.script("install.sh", ["--prefix", "usr/local", "--dry-run"])
        #expect(relative.status == 1 && relative.err.contains("--prefix must be an absolute path, not 'usr/local'"))
        let unknown = try Repository.script("install.sh", ["--frobnicate"])
        #expect(unknown.status == 2 && unknown.err.contains("unknown argument --frobnicate"))
        let noValue = try Repository.script("install.sh", ["--destdir"])
        #expect(noValue.status == 2 && noValue.err.contains("--destdir needs a directory"))
        let empty = try Repository.temporaryDirectory("nobin")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let noBinaries = try Repository.script("install.sh", ["--destdir", empty, "--from", empty])
        #expect(noBinaries.status == 1 && noBinaries.err.contains("\(empty) lacks mfsmaster"), "\(noBinaries.err)")
        #expect(noBinaries.err.contains("swift build -c release"))
        // On the host itself only root installs (tried as mfs, when the tests run as root and it exists).
        if getuid() == 0, getpwnam("mfs") != nil {
            let user = try runProgram(
                "/usr/sbin/runuser",
                ["-u", "mfs", "--", "/bin/bash", Repository.path("scripts/install.sh"), "--from", Repository.debugBinaries])
            #expect(user.status == 1 && user.err.contains("installing on this host needs root"), "\(user.err)")
        }
    }

    /// Another prefix is written into the units (ExecStart, the hooks' MFS_BIN) and the samples.
    @Test func anotherPrefixIsWrittenIntoTheUnits() throws {
        let destdir = try Repository.temporaryDirectory("prefix")
        defer { try? FileManager.default.removeItem(atPath: destdir) }
        let run = try Self.install(destdir, ["--prefix", "/opt/swift-mfs"])
        #expect(run.status == 0, "\(run.out)\n\(run.err)")
        let announcer = try String(contentsOfFile: destdir + "/etc/systemd/system/mfsannouncer.service", encoding: .utf8)
        #expect(announcer.contains("ExecStart=/opt/swift-mfs/sbin/mfsannouncer -c /etc/mfs/mfsannouncer.cfg"))
        #expect(announcer.contains("Environment=MFS_BIN=/opt/swift-mfs/sbin:/opt/swift-mfs/bin"))
        #expect(!announcer.contains("/usr/local"))
        let example = destdir + "/opt/swift-mfs/share/doc/swift-mfs/ha-example/mfs-a/mfsannouncer.cfg"
        #expect(try String(contentsOfFile: example, encoding: .utf8).contains("PROMOTE_HOOK = /opt/swift-mfs/lib/mfs/mfs-promote"))
        #expect(FileManager.default.isExecutableFile(atPath: destdir + "/opt/swift-mfs/lib/mfs/mfs-promote"))
    }
}
