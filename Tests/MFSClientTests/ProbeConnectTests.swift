import Foundation
import MFSConfig
import Testing

@testable import MFSClient

#if canImport(Glibc)
    import Glibc
#endif

/// A probe's connect to an address nobody answers (the virtual IP between two hosts) is given
/// up after `probeConnectTimeout`, not held for the whole `probeTimeout`: a held slot would keep
/// the next probe from reaching the new master as soon as it takes the address. Run alone by
/// scripts/test.sh (the time it measures includes the wait for a cooperative thread).
@Suite struct ProbeConnectTests {
    @Test func aProbeGivesUpAConnectNobodyAnswersAfterItsConnectTimeout() async throws {
        // A listener with a backlog of 0 whose queue already holds one connection drops every
        // further SYN, as an address that no host holds does.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        try #require(bound == 0 && listen(listener, 0) == 0)
        var actual = sockaddr_in()
        var actualLength = length
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &actualLength) }
        }
        let port = UInt16(bigEndian: actual.sin_port)
        let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(filler) }
        let filled = withUnsafePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) } }
        try #require(filled == 0, "the first connection fills the queue")

        let target = HostPort(host: "127.0.0.1", port: port)
        let started = ContinuousClock.now
        let reply = await MasterClient.probe(target, pin: ClusterPin(), connectTimeout: .milliseconds(250), timeout: .seconds(20))
        let took = ContinuousClock.now - started
        #expect(reply == nil)
        // Given up at the connect timeout: far below the probe's 20 s (and below TCP's 1 s SYN
        // retransmission, which would find the queue still full).
        #expect(took >= .milliseconds(200) && took < .seconds(10), "took \(took)")
    }
}
