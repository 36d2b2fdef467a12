import MFSClient
import MFSConfig
import Testing

@Suite struct ClientOptionsTests {
    @Test func aMasterWithoutAPortGetsTheClientPort() throws {
        #expect(try ClientOptions.parseMasters("mfsmaster") == [HostPort(host: "mfsmaster", port: 9421)])
    }

    @Test func mastersAreKeptInOrderWithTheirPorts() throws {
        let masters = try ClientOptions.parseMasters("10.0.0.1:9500, backup ,10.0.0.3")
        #expect(
            masters == [
                HostPort(host: "10.0.0.1", port: 9500), HostPort(host: "backup", port: 9421), HostPort(host: "10.0.0.3", port: 9421),
            ])
    }

    @Test(arguments: ["", "a,,b", "host:0", "host:65536", "host:x", "[::1]:9421", "bad_host", "300.1.1.1"])
    func aBadListIsABadAddress(_ text: String) {
        #expect {
            try ClientOptions.parseMasters(text)
        } throws: { error in
            guard case .badAddress = error as? ClientError else { return false }
            return true
        }
    }
}
