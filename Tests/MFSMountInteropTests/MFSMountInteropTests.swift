import Foundation
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's `mfsmount` 3.0.117 against OUR master and OUR chunkservers, in network namespaces
/// (DESIGN §9: 169.254.0.0/16, a bridge with no uplink, everything removed at the end):
/// MooseFS's client dialect on 9421 end to end, compared with what POSIX says.
@Suite(.serialized) struct MFSMountInteropTests {
    static let packagesInstalled =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/mfsmount") && FileManager.default.fileExists(atPath: "/dev/fuse")
    static let runnable = NetnsLab.available && packagesInstalled
    nonisolated(unsafe) static var runs = 0
    static let sizes = [0, 1, 65_537, 64 * 1_048_576 + 1]

    @Test(.enabled(if: runnable, "needs root, ip netns, /dev/fuse and Debian's moosefs-client (scripts/test.sh installs it)"))
    func mfsmountWorksAgainstOurMasterAndChunkservers() throws {
        Self.runs += 1
        let lab = try NetnsLab(prefix: "mmt\(getpid() % 10_000)\(Self.runs)", hosts: ["m", "c1", "c2", "cl"])
        defer { lab.teardown() }
        let master = lab.host("m").address
        try startMaster(lab)
        for name in ["c1", "c2"] { try lab.startChunkserver(name, master: master) }
        let registered = waitUntil(30) { ["c1", "c2"].allSatisfy { lab.read("\($0).log").contains("registered with the master") } }
        #expect(registered, "chunkservers did not register:\n\(lab.read("c1.log"))\n\(lab.read("master.log").suffix(3_000))")
        guard registered else { return }
        lab.mark("2 chunkservers registered")
        try lab.write("workload.sh", workload(lab, master: master))
        // POSIX record locks (lockf): one process holds bytes 0..<10 (and says so with a marker
        // file), another tries, then waits while the holder lets go (when a second marker appears).
        let (held, release) = (lab.path("posix.held"), lab.path("posix.release"))
        try lab.write(
            "hold.py",
            """
            import fcntl, os, time
            fd = os.open('d/lock', os.O_RDWR)
            fcntl.lockf(fd, fcntl.LOCK_EX, 10)
            open('\(held)', 'w').close()
            for _ in range(400):
                if os.path.exists('\(release)'):
                    break
                time.sleep(0.05)

            """)
        try lab.write(
            "contend.py",
            """
            import fcntl, os, subprocess, time
            for _ in range(400):
                if os.path.exists('\(held)'):
                    break
                time.sleep(0.05)
            fd = os.open('d/lock', os.O_RDWR)
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10)
                print('@posixtry granted')
            except OSError:
                print('@posixtry refused')
            subprocess.Popen(['sh', '-c', 'sleep 0.2; touch \(release)'])
            fcntl.lockf(fd, fcntl.LOCK_EX, 10)
            print('@posixwait got')

            """)
        let result = NetnsLab.shell("ip netns exec \(lab.host("cl").namespace) sh \(lab.path("workload.sh")) 2>&1")
        lab.mark("workload done (exit \(result.status))")
        let report = "\(result.output)\n--- master log ---\n\(lab.read("master.log").suffix(4_000))"
        #expect(result.status == 0, "workload failed: \(report)")
        var seen: [String: String] = [:]
        for line in result.output.split(separator: "\n") where line.hasPrefix("@") {
            let parts = line.dropFirst().split(separator: " ", maxSplits: 1)
            seen[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        #expect(seen["wrongpassword"]?.contains("Incorrect password") == true, "a wrong password was not refused: \(report)")
        for size in Self.sizes {
            let source = seen["src.\(size)"]
            #expect(source != nil && source?.isEmpty == false, "\(size): no source hash")
            #expect(seen["first.\(size)"] == source, "\(size) bytes read back in the writing mount")
            #expect(seen["second.\(size)"] == source, "\(size) bytes read back in a new mount")
            #expect(seen["size.\(size)"] == "\(size)", "stat size of \(size)")
        }
        #expect(seen["readlink"] == "target/of/link")
        #expect(seen["chmod"] == "600")
        #expect(seen["renamed"] == "yes")
        #expect(seen["unlinked"] == "yes")
        #expect(seen["rmdir"] == "yes")
        #expect(seen["lsl"]?.contains("f.65537") == true, "ls -l: \(seen["lsl"] ?? "")")
        #expect(seen["enoent"]?.contains("No such file or directory") == true, "ENOENT: \(seen["enoent"] ?? "")")
        #expect(seen["eexist"]?.contains("File exists") == true, "EEXIST: \(seen["eexist"] ?? "")")
        #expect(seen["enotempty"]?.contains("Directory not empty") == true, "ENOTEMPTY: \(seen["enotempty"] ?? "")")
        #expect(seen["nlink"] == "2", "hard link count")
        #expect(seen["flocktry"] == "refused", "a second exclusive flock was not refused while the first held it")
        #expect(seen["flockwait"] == "got", "a waiting flock never got the lock")
        #expect(seen["posixtry"] == "refused", "a second lockf was not refused while the first held the range")
        #expect(seen["posixwait"] == "got", "a waiting lockf never got the range")
        #expect(!lab.read("master.log").contains("Fatal error"), "the master crashed")
    }

    /// The client-side script: every check prints `@KEY value` for the test to compare.
    private func workload(_ lab: NetnsLab, master: String) -> String {
        let mnt = lab.path("mnt")
        let mount = "mfsmount \(mnt) -H \(master) -o mfscachemode=DIRECT,mfsioretries=30"
        var script = "set -e\nmkdir -p \(mnt)\n"
        script += "echo \"@wrongpassword $(\(mount),mfspassword=wrong 2>&1 | tr '\\n' ' '; mountpoint -q \(mnt) && umount \(mnt))\"\n"
        script += "\(mount),mfspassword=secret\ncd \(mnt)\nmkdir d\n"
        for size in Self.sizes {
            script += "head -c \(size) /dev/urandom > \(lab.path("src.\(size)"))\n"
            script += "echo \"@src.\(size) $(sha256sum < \(lab.path("src.\(size)")) | cut -d' ' -f1)\"\n"
            script += "cp \(lab.path("src.\(size)")) d/f.\(size)\n"
        }
        script += "sync\n"
        for size in Self.sizes {
            script += "echo \"@first.\(size) $(sha256sum < d/f.\(size) | cut -d' ' -f1)\"\n"
            script += "echo \"@size.\(size) $(stat -c %s d/f.\(size))\"\n"
        }
        script += """
            echo "@lsl $(ls -l d | tr '\\n' ' ')"
            ln -s target/of/link d/s
            echo "@readlink $(readlink d/s)"
            echo x > d/r1; mv d/r1 d/r2; [ -e d/r2 ] && [ ! -e d/r1 ] && echo "@renamed yes"
            chmod 600 d/r2; echo "@chmod $(stat -c %a d/r2)"
            ln d/r2 d/r3; echo "@nlink $(stat -c %h d/r2)"
            rm d/r2 d/r3; [ ! -e d/r2 ] && echo "@unlinked yes"
            mkdir d/e; rmdir d/e; [ ! -e d/e ] && echo "@rmdir yes"
            touch d/lock
            flock -x d/lock -c 'touch \(lab.path("flock.held")); for i in $(seq 400); do [ -e \(lab.path("flock.release")) ] && break; sleep 0.05; done' &
            for i in $(seq 400); do [ -e \(lab.path("flock.held")) ] && break; sleep 0.05; done
            if flock -n d/lock -c true; then echo "@flocktry granted"; else echo "@flocktry refused"; fi
            (sleep 0.2; touch \(lab.path("flock.release"))) &
            flock -x d/lock -c 'echo "@flockwait got"'
            wait
            python3 \(lab.path("hold.py")) &
            python3 \(lab.path("contend.py"))
            wait
            echo "@enoent $(cat d/nothing 2>&1 || true)"
            echo "@eexist $(mkdir d 2>&1 || true)"
            echo "@enotempty $(rmdir d 2>&1 || true)"
            cd /
            umount \(mnt)
            \(mount),mfspassword=secret
            cd \(mnt)

            """
        for size in Self.sizes { script += "echo \"@second.\(size) $(sha256sum < d/f.\(size) | cut -d' ' -f1)\"\n" }
        script += "cd /\numount \(mnt)\n"
        return script
    }

    private func startMaster(_ lab: NetnsLab) throws {
        let data = lab.path("m-data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try lab.write("mfsexports.cfg", "*  /  rw,alldirs,maproot=0,password=secret\n")
        try lab.write(
            "mfsmaster.cfg", "DATA_PATH = \(data)\nEXPORTS_FILENAME = \(lab.path("mfsexports.cfg"))\nSYNC_REPLICAS = 0\n")
        try lab.spawn("m", [MasterProcess.binaryPath("mfsmaster"), "-c", lab.path("mfsmaster.cfg")], log: lab.path("master.log"))
    }
}
