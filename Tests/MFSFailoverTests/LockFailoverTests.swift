import Foundation
import MFSTestSupport
import Testing

/// What happens to locks at a failover (issue 13), end to end with Debian's `mfsmount`: two
/// mounts on host C (two sessions, A and B) through the virtual IP of a `FailoverCluster`.
/// Mount A takes an exclusive flock on f1 and f3 and a POSIX write lock on bytes 0..<10 of f2;
/// mount B starts a blocking flock on f3, which waits. The active master's host then dies
/// silently (cable, SIGKILL). After the follower took over, B's non-blocking attempts on f1 and
/// f2 must fail (EWOULDBLOCK/EAGAIN) while A holds them; A unlocks; B then gets them, and B's
/// blocking flock, which mfsmount sent again to the new master, gets f3. Part of the serialized
/// `FailoverTests` suite, so no other cluster of this process runs beside it.
extension FailoverTests {
    static let mountRunnable =
        NetnsLab.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/mfsmount")
        && FileManager.default.fileExists(atPath: "/dev/fuse")

    @Test(.enabled(if: mountRunnable, "needs root, ip netns, /dev/fuse and Debian's moosefs-client (scripts/test.sh installs them)"))
    func locksHeldAcrossASilentFailoverStillExcludeOthersAndWaitersGetThemAfter() throws {
        var options = FailoverCluster.debugOptions
        // MFS_LOCK_TEST_BIN: other daemons (those of an older build, to see this test fail there).
        if let bin = ProcessInfo.processInfo.environment["MFS_LOCK_TEST_BIN"] { options.binDirectory = bin }
        let cluster = try FailoverCluster(options)
        defer { cluster.teardown() }
        try cluster.start()
        let lab = cluster.lab
        try lab.write("hold.py", LockScripts.holder)
        try lab.write("try.py", LockScripts.posixTry)
        try lab.write("locks.sh", LockScripts.client(lab))
        let client = try lab.spawn("C", ["sh", lab.path("locks.sh")], log: lab.path("C-locks.log"))
        let marker = { (name: String) in FileManager.default.fileExists(atPath: lab.path(name)) }
        let report = { "client:\n\(lab.read("C-locks.log"))\n\(cluster.logs(lines: 40))" }
        guard waitUntil(90, { marker("waiting") }) else {
            Issue.record("mount A did not take its locks, or B did not start waiting: \(report())")
            return
        }
        lab.mark("A holds its locks, B waits for f3: killing A's host")
        lab.killHost("A")
        guard waitUntil(60, { cluster.status("B")?.role == "active" }) else {
            Issue.record("B did not take over: \(report())")
            return
        }
        lab.mark("B is active")
        try lab.write("probe", "")
        #expect(waitUntil(120) { marker("probed") }, "B's non-blocking attempts did not finish: \(report())")
        try lab.write("release", "")
        _ = waitUntil(120) { !client.isRunning }
        let output = lab.read("C-locks.log")
        var seen: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("@") {
            let parts = line.dropFirst().split(separator: " ", maxSplits: 1)
            seen[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        #expect(seen["flocktry"] == "refused", "B got the flock A held before the failover: \(report())")
        #expect(seen["posixtry"] == "refused", "B got the range A held before the failover: \(report())")
        #expect(seen["unlocked"] != nil, "A could not unlock after the failover: \(report())")
        #expect(seen["flockafter"] == "granted", "B did not get the flock once A released it: \(report())")
        #expect(seen["posixafter"] == "granted", "B did not get the range once A released it: \(report())")
        #expect(seen["flockwait"] == "got", "B's blocking flock, waiting across the failover, never got the lock: \(report())")
        #expect(seen["done"] != nil, "the client script did not finish: \(report())")
        // The grants and releases came to B as changes of A's changelog, and B recorded its own.
        let changes = cluster.changelogs("B").values.joined()
        #expect(changes.contains("|FLOCK(") && changes.contains(",W)") && changes.contains("|POSIXLOCK("))
        #expect(changes.contains(",U)"), "no release was recorded")
    }

}

/// The client side of `locksHeldAcrossASilentFailover…`: mount A's holder, the non-blocking
/// POSIX try, and the script that mounts both and runs them.
enum LockScripts {
    /// Mount A's process: the locks, the markers, then the unlocks once told.
    static let holder = """
        import fcntl, os, sys, time
        d, m = sys.argv[1], sys.argv[2]
        f1 = os.open(m + '/f1', os.O_RDWR)
        fcntl.flock(f1, fcntl.LOCK_EX)
        f2 = os.open(m + '/f2', os.O_RDWR)
        fcntl.lockf(f2, fcntl.LOCK_EX, 10, 0)
        f3 = os.open(m + '/f3', os.O_RDWR)
        fcntl.flock(f3, fcntl.LOCK_EX)
        print('@held', flush=True)
        open(d + '/held', 'w').close()
        while not os.path.exists(d + '/release'):
            time.sleep(0.1)
        fcntl.flock(f1, fcntl.LOCK_UN)
        fcntl.lockf(f2, fcntl.LOCK_UN, 10, 0)
        fcntl.flock(f3, fcntl.LOCK_UN)
        print('@unlocked', flush=True)
        open(d + '/released', 'w').close()
        time.sleep(1)

        """

    /// A non-blocking POSIX write lock on bytes 0..<10: `@KEY granted`, `refused` (EAGAIN or
    /// EACCES) or `error ERRNO`.
    static let posixTry = """
        import errno, fcntl, os, sys
        path, key = sys.argv[1], sys.argv[2]
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 0)
            print('@' + key + ' granted', flush=True)
        except OSError as e:
            print('@' + key + (' refused' if e.errno in (errno.EAGAIN, errno.EACCES) else ' error %d' % e.errno), flush=True)

        """

    static func client(_ lab: NetnsLab) -> String {
        let d = lab.directory
        let mount = "mfsmount -H \(FailoverCluster.virtualIP) -P \(FailoverCluster.clientPort) -o mfscachemode=DIRECT,mfsioretries=60"
        return """
            set -u
            D=\(d); A=$D/mntA; B=$D/mntB
            wait_for() { i=0; while [ ! -e "$1" ]; do sleep 0.1; i=$((i+1)); if [ $i -gt 1800 ]; then echo "@timeout $1"; exit 1; fi; done; }
            flock_try() { flock -n -E 99 -x "$1" -c true; rc=$?; case $rc in 0) echo "@$2 granted";; 99) echo "@$2 refused";; *) echo "@$2 error $rc";; esac; }
            mkdir -p $A $B
            \(mount) $A || { echo "@mount A failed"; exit 1; }
            \(mount) $B || { echo "@mount B failed"; exit 1; }
            touch $A/f1 $A/f2 $A/f3
            python3 $D/hold.py $D $A &
            HOLD=$!
            wait_for $D/held
            ( if flock -x $B/f3 -c true; then echo "@flockwait got"; else echo "@flockwait failed"; fi ) &
            WAITER=$!
            sleep 2
            touch $D/waiting
            wait_for $D/probe
            flock_try $B/f1 flocktry
            python3 $D/try.py $B/f2 posixtry
            touch $D/probed
            wait_for $D/released
            flock_try $B/f1 flockafter
            python3 $D/try.py $B/f2 posixafter
            wait $WAITER
            wait $HOLD
            cd /
            umount $A; umount $B
            echo "@done"

            """
    }
}
