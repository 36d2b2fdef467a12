import Foundation
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Interoperation with keepalived (Debian's package, `vrrp_version 3`) on the same VRID, and a
/// tshark decode of our advertisements. Part of the serialized namespace suite.
extension NamespaceTests {
    static let keepalivedInstalled = FileManager.default.isExecutableFile(atPath: "/usr/sbin/keepalived")
    static let tsharkInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark")

    /// Holds for `seconds`: `name` keeps the VIP and `other` never has it.
    func stays(_ lab: Lab, holder name: String, backup other: String, for seconds: Double) -> Bool {
        !waitUntil(seconds) { !lab.holdsVIP(name) || lab.holdsVIP(other) }
    }

    @Test(.enabled(if: keepalivedInstalled, "keepalived is not installed (apt-get install keepalived)"))
    func keepalivedWithLowerPriorityStaysBackupAndTakesOverWhenWeDie() throws {
        try withLab { lab in
            try lab.startAnnouncer("A", priority: 200)
            try lab.startKeepalived("B", priority: 100)
            expectHolder(lab, "A", within: 3)
            #expect(stays(lab, holder: "A", backup: "B", for: 1.5), "keepalived stays backup\n\(lab.read("B-keepalived.log"))")
            #expect(waitUntil(1) { lab.currentAnswer() == "A" })
            lab.killHost("A")
            #expect(waitUntil(3) { lab.holdsVIP("B") }, "keepalived takes over\n\(lab.read("B-keepalived.log"))")
            try lab.startListener("B")
            #expect(waitUntil(2) { lab.currentAnswer() == "B" })
        }
    }

    @Test(.enabled(if: keepalivedInstalled, "keepalived is not installed (apt-get install keepalived)"))
    func weStayBackupUnderAHigherPriorityKeepalivedAndTakeOverWhenItDies() throws {
        try withLab { lab in
            try lab.startKeepalived("A", priority: 200)
            try lab.startAnnouncer("B", priority: 100)
            expectHolder(lab, "A", within: 5)
            #expect(stays(lab, holder: "A", backup: "B", for: 1.5), "we stay backup\n\(lab.read("B.log"))")
            #expect(lab.state("B") == "backup")
            #expect(lab.read("B.log").contains("rejected") == false, "keepalived's adverts are accepted:\n\(lab.read("B.log"))")
            let killed = monotonicNanoseconds()
            lab.killHost("A")  // its VIP stays on its (unplugged) interface: keepalived was killed
            #expect(waitUntil(2) { lab.holdsVIP("B") }, "we take over\n\(lab.read("B.log"))")
            let answered = try #require(
                waitUntil(2) { lab.firstAnswer(from: "B", since: killed) != nil } ? lab.firstAnswer(from: "B", since: killed) : nil)
            print("keepalived master killed → TCP answer from our B in \((answered - killed) / 1_000_000) ms")
            #expect(lab.read("B.log").contains("no advertisement for Master_Down_Interval"))
        }
    }

    @Test(.enabled(if: tsharkInstalled, "tshark is not installed (apt-get install tshark)"))
    func tsharkDecodesOurAdvertisementsAsVRRPv3WithAGoodChecksum() throws {
        try withLab { lab in
            try lab.startAnnouncer("A", priority: 200)
            expectHolder(lab, "A", within: 3)
            let namespace = lab.host("C").namespace
            let fields = Lab.shell(
                "ip netns exec \(namespace) tshark -i eth0 -f 'ip proto 112' -c 3 -a duration:10 -Q -T fields "
                    + "-e ip.src -e ip.dst -e ip.ttl -e vrrp.version -e vrrp.type -e vrrp.prio -e vrrp.checksum.status 2>&1")
            let rows = fields.output.split(whereSeparator: \.isNewline).map { $0.split(separator: "\t").map(String.init) }
                .filter { $0.count == 7 }
            #expect(rows.count == 3, "\(fields.output)")
            for row in rows {
                // 1 is Wireshark's PROTO_CHECKSUM_E_GOOD: the pseudo-header checksum verified.
                #expect(row == ["169.254.0.10", "224.0.0.18", "255", "3", "1", "200", "1"], "\(row)")
            }
            let verbose = Lab.shell(
                "ip netns exec \(namespace) tshark -i eth0 -f 'ip proto 112' -c 1 -a duration:10 -Q -V 2>&1"
            ).output
            #expect(verbose.contains("Virtual Router Redundancy Protocol"), "\(verbose)")
            #expect(verbose.contains("VRRP protocol version: 3"))
            #expect(verbose.contains("[Checksum Status: Good]"))
        }
    }
}

extension Lab {
    /// Starts keepalived in the host with the same VRID, VIP and a 100 ms interval (VRRPv3).
    func startKeepalived(_ name: String, priority: Int) throws {
        let config = """
            global_defs {
                router_id \(prefix)-\(name)
                vrrp_version 3
            }
            vrrp_instance VI_1 {
                state BACKUP
                interface eth0
                virtual_router_id 51
                priority \(priority)
                advert_int 0.1
                virtual_ipaddress {
                    \(Lab.vip)/32
                }
            }

            """
        try write("\(name)-keepalived.conf", config)
        try spawn(
            name,
            [
                "keepalived", "--dont-fork", "--log-console", "--log-detail", "--vrrp", "-f", path("\(name)-keepalived.conf"),
                "-p", path("\(name)-keepalived.pid"), "-r", path("\(name)-vrrp.pid"), "-c", path("\(name)-checkers.pid"),
            ], log: path("\(name)-keepalived.log"))
    }
}
