import Foundation
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// TRACK_MASTER against a fake master, a tiny HTTP server in A's namespace on 127.0.0.1:9428
/// (each namespace has its own loopback) answering with what the file `A-master.mode` says:
/// `healthy`, `unhealthy` (`"healthy": false`), `slow` (healthy, but after 300 ms) or `error`
/// (HTTP 500), for the cases a real master cannot be made to show on demand; and against a
/// real `mfsmaster` that is stopped and whose changelog disk fills up.
extension NamespaceTests {
    func startFakeMaster(_ lab: Lab) throws {
        try lab.write("A-master.mode", "healthy")
        let script = """
            import http.server, time
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    mode = open("\(lab.path("A-master.mode"))").read().strip()
                    if mode == "slow": time.sleep(0.3)
                    body = ('{"role":"active","healthy":%s,"epoch":3}' % ("false" if mode == "unhealthy" else "true")).encode()
                    self.send_response(500 if mode == "error" else 200)
                    self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(body)))
                    self.end_headers(); self.wfile.write(body)
                def log_message(self, *args): pass
            http.server.ThreadingHTTPServer(("127.0.0.1", 9428), H).serve_forever()
            """
        try lab.spawn("A", ["python3", "-c", script], log: lab.path("A-master.log"))
    }

    @Test func trackMasterMovesTheVIPWhenTheMasterTurnsUnhealthyOrDies() throws {
        try withLab { lab in
            try startFakeMaster(lab)
            let answering = waitUntil(20) {
                Lab.shell(
                    "ip netns exec \(lab.host("A").namespace) python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 9428), 1)' 2>&1"
                ).status == 0
            }
            try #require(answering, "the fake master never answered on 127.0.0.1:9428 in A")
            try lab.startAnnouncer(
                "A", priority: 200,
                extra: ["TRACK_MASTER": "1", "TRACK_MASTER_INTERVAL_MS": "100", "TRACK_MASTER_FALL": "1", "TRACK_MASTER_RISE": "1"])
            try lab.startAnnouncer("B", priority: 100)
            expectHolder(lab, "A", within: 3)
            for mode in ["unhealthy", "slow", "error"] {
                try lab.write("A-master.mode", mode)
                expectHolder(lab, "B", within: 2)
                #expect(lab.state("A") == "backup", "\(mode)")
                try lab.write("A-master.mode", "healthy")
                expectHolder(lab, "A", within: 2)
            }
            #expect(lab.read("A.log").contains("no answer within 200 ms"), "the slow answer counted as unhealthy")
            // The master process dies: connection refused (or, if it died in the middle of an
            // answer, a reset or no answer: whichever the probe met first is logged).
            let before = lab.read("A.log").components(separatedBy: "tracked master is unhealthy").count
            lab.killProcesses(matching: "http.server", in: "A")
            expectHolder(lab, "B", within: 2)
            let log = lab.read("A.log")
            #expect(log.components(separatedBy: "tracked master is unhealthy").count > before)
            let reasons = ["Connection refused", "Connection reset", "no answer within"]
            #expect(reasons.contains { log.contains($0) }, "no reason for the dead master in A's log")
            #expect(waitUntil(2) { lab.currentAnswer() == "B" })
        }
    }
}

extension NamespaceTests {
    /// A real mfsmaster in A with DATA_PATH on a 256 KiB tmpfs: stopped (SIGTERM), the VIP
    /// goes to B; started again, back to A; its changelog disk filled by a client's creates
    /// (the master stops taking changes and says `healthy: false`), the VIP goes to B.
    @Test func trackMasterMovesTheVIPWhenTheRealMasterStopsOrItsDiskFills() throws {
        try withLab { lab in
            let bin = URL(fileURLWithPath: Lab.announcerBinary).deletingLastPathComponent()
            let data = lab.path("A-data")
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            // Mounted before A's processes start, so they see it.
            let mounted = "size=262144".withCString { mount("tmpfs", data, "tmpfs", 0, $0) }
            guard mounted == 0 else { throw LabError(message: "mount tmpfs on \(data): errno \(errno)") }
            defer { umount2(data, Int32(MNT_DETACH)) }
            try lab.write("A-exports.cfg", "127.0.0.1  /  rw,alldirs,maproot=0\n")
            try lab.write(
                "A-master.cfg",
                """
                DATA_PATH = \(data)
                EXPORTS_FILENAME = \(lab.path("A-exports.cfg"))
                MATOCL_LISTEN_HOST = 127.0.0.1
                MATOCL_LISTEN_PORT = 0
                STATUS_LISTEN_HOST = 127.0.0.1
                STATUS_LISTEN_PORT = 9428
                MATOCS_LISTEN_HOST = 127.0.0.1
                MATOCS_LISTEN_PORT = 0
                SYNC_REPLICAS = 0

                """)
            func startMaster() throws -> (Process, Int) {
                try lab.write("A-master.log", "")
                let process = try lab.spawn(
                    "A", [bin.appendingPathComponent("mfsmaster").path, "-c", lab.path("A-master.cfg")], log: lab.path("A-master.log"))
                var port: Int?
                _ = waitUntil(10) {
                    let line = lab.read("A-master.log").split(separator: "\n").first { $0.contains("client port listening") }
                    let address = line?.split(separator: " ").first { $0.hasPrefix("address=") }
                    port = address.flatMap { $0.split(separator: ":").last.flatMap { Int($0) } }
                    return port != nil
                }
                guard let port else { throw LabError(message: "mfsmaster did not start:\n\(lab.read("A-master.log"))") }
                return (process, port)
            }
            var (master, port) = try startMaster()
            try lab.startAnnouncer(
                "A", priority: 200,
                extra: ["TRACK_MASTER": "1", "TRACK_MASTER_INTERVAL_MS": "100", "TRACK_MASTER_FALL": "1", "TRACK_MASTER_RISE": "1"])
            try lab.startAnnouncer("B", priority: 100)
            expectHolder(lab, "A", within: 3)

            // Stopped: its status port is gone.
            kill(master.processIdentifier, SIGTERM)
            master.waitUntilExit()
            #expect(master.terminationStatus == 0)
            expectHolder(lab, "B", within: 2)
            (master, port) = try startMaster()
            expectHolder(lab, "A", within: 3)

            // The changelog disk fills: creates with long names from a client in A until the
            // master refuses one; from then on it is unhealthy.
            let unhealthyBefore = lab.read("A.log").components(separatedBy: "tracked master is unhealthy").count
            let mfs = bin.appendingPathComponent("mfs").path
            let padding = String(repeating: "x", count: 200)
            var refused = false
            for batch in 0..<40 where !refused {
                let paths = (0..<100).map { "/\(batch)_\($0)_\(padding)" }.joined(separator: " ")
                let result = Lab.shell("ip netns exec \(lab.host("A").namespace) \(mfs) -H 127.0.0.1:\(port) touch \(paths)")
                refused = result.status != 0
                if refused { #expect(result.output.contains("Input/output error"), "\(result.output)") }
            }
            #expect(refused, "the master took every create on a 256 KiB disk")
            expectHolder(lab, "B", within: 2)
            #expect(lab.read("A-master.log").contains("changelog write failed"))
            // The announcer said why it gave the address up: the master it tracks is unhealthy
            // again (once more than after the stop above).
            #expect(
                lab.read("A.log").components(separatedBy: "tracked master is unhealthy").count > unhealthyBefore, "\(lab.read("A.log"))")
            kill(master.processIdentifier, SIGKILL)
            master.waitUntilExit()
        }
    }
}

extension Lab {
    /// SIGKILLs the host's processes whose command line contains `text`.
    func killProcesses(matching text: String, in name: String) {
        for pid in Lab.shell("ip netns pids \(host(name).namespace)").output.split(whereSeparator: \.isNewline) {
            let commandLine = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            if commandLine.contains(text), let value = Int32(pid) { kill(value, SIGKILL) }
        }
    }
}
