import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// TRACK_MASTER against a fake master: mfsmaster's HTTP `/status` is not built yet, so a tiny
/// HTTP server in A's namespace answers on 127.0.0.1:9425 (each namespace has its own
/// loopback) with what the file `A-master.mode` says: `healthy`, `unhealthy` (`"healthy":
/// false`), `slow` (healthy, but after 300 ms) or `error` (HTTP 500).
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
            http.server.ThreadingHTTPServer(("127.0.0.1", 9425), H).serve_forever()
            """
        try lab.spawn("A", ["python3", "-c", script], log: lab.path("A-master.log"))
    }

    @Test func trackMasterMovesTheVIPWhenTheMasterTurnsUnhealthyOrDies() throws {
        try withLab { lab in
            try startFakeMaster(lab)
            usleep(300_000)  // python's start
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
            // The master process dies: connection refused.
            lab.killProcesses(matching: "http.server", in: "A")
            expectHolder(lab, "B", within: 2)
            #expect(lab.read("A.log").contains("Connection refused"))
            #expect(waitUntil(2) { lab.currentAnswer() == "B" })
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
