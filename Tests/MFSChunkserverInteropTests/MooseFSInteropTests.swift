import Foundation
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's MooseFS 3.0.117 `mfsmaster` with three of our chunkservers, and Debian's `mfsmount`
/// writing files and reading them back, in network namespaces (DESIGN §9: 169.254.0.0/16, a
/// bridge with no uplink, everything removed at the end). MooseFS refuses 127.x addresses, hence
/// the namespaces.
@Suite(.serialized) struct MooseFSInteropTests {
    static let packagesInstalled =
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/mfsmaster")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/mfsmount")
    static let runnable = NetnsLab.available && packagesInstalled
    nonisolated(unsafe) static var runs = 0

    @Test(
        .enabled(
            if: runnable,
            "needs root, ip netns and Debian's moosefs-master and moosefs-client (scripts/test.sh installs them)"))
    func mfsmountWritesAndReadsThroughOurChunkserversUnderMooseFSsMaster() throws {
        Self.runs += 1
        let lab = try NetnsLab(prefix: "mcs\(getpid() % 10_000)\(Self.runs)", hosts: ["m", "c1", "c2", "c3", "cl"])
        defer { lab.teardown() }
        let master = lab.host("m").address
        try lab.startMooseFSMaster("m", exports: "* / rw,alldirs,maproot=0\n")
        for name in ["c1", "c2", "c3"] { try lab.startChunkserver(name, master: master) }
        let registered = waitUntil(30) {
            ["c1", "c2", "c3"].allSatisfy { lab.read("\($0).log").contains("registered with the master") }
        }
        #expect(registered, "chunkservers did not register:\n\(lab.read("c1.log"))\n\(lab.read("m.log"))")
        guard registered else { return }
        lab.mark("3 chunkservers registered")
        // The files: written from the client host's namespace through mfsmount, then read back.
        let sizes = [0, 1, 65_535, 65_536, 65_537, 64 * 1_048_576 + 1]
        var script = "set -e\nmkdir -p \(lab.path("mnt"))\n"
        script += "mfsmount \(lab.path("mnt")) -H \(master) -o mfscachemode=DIRECT,mfsioretries=30 >/dev/null 2>&1\n"
        script += "cd \(lab.path("mnt"))\nmkdir g1 g2\nmfssetgoal 1 g1 >/dev/null\nmfssetgoal 2 g2 >/dev/null\n"
        for size in sizes {
            script += "head -c \(size) /dev/urandom > \(lab.path("src.\(size)"))\n"
            for goal in ["g1", "g2"] { script += "cp \(lab.path("src.\(size)")) \(goal)/f.\(size)\n" }
        }
        script += "sync\ncd /\numount \(lab.path("mnt"))\n"
        script += "mfsmount \(lab.path("mnt")) -H \(master) -o mfscachemode=DIRECT >/dev/null 2>&1\ncd \(lab.path("mnt"))\n"
        for size in sizes {
            script += "echo src.\(size) $(sha256sum < \(lab.path("src.\(size)")))\n"
            for goal in ["g1", "g2"] { script += "echo \(goal).\(size) $(sha256sum < \(goal)/f.\(size))\n" }
        }
        script += "mfsfileinfo g2/f.65537 | grep -c copy || true\ncd /\numount \(lab.path("mnt"))\n"
        try lab.write("workload.sh", script)
        let result = NetnsLab.shell("ip netns exec \(lab.host("cl").namespace) sh \(lab.path("workload.sh")) 2>&1")
        lab.mark("workload done (exit \(result.status))")
        #expect(result.status == 0, "workload failed: \(result.output)\n\(lab.read("c1.log").suffix(3_000))")
        var hashes: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count >= 2 { hashes[String(parts[0])] = String(parts[1]) }
        }
        for size in sizes {
            let source = hashes["src.\(size)"]
            #expect(source != nil)
            #expect(hashes["g1.\(size)"] == source, "goal 1, \(size) bytes")
            #expect(hashes["g2.\(size)"] == source, "goal 2, \(size) bytes")
        }
        for name in ["c1", "c2", "c3"] { #expect(!lab.read("\(name).log").contains("Fatal error"), "\(name) crashed") }
    }
}
