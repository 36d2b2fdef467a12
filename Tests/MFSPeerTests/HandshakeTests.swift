import Foundation
import MFSConfig
import MFSCore
import MFSPeer
import MFSWire
import Testing

/// Cases 4–7 and 10: a fake master that is not the one to follow, asks for a password,
/// refuses, or tells the peer to resume elsewhere than where it stands.
extension PeerLinkTests {
    @Suite struct HandshakeTests {
        /// Case 4: the peer's data belongs to another cluster.
        @Test func masterOfAnotherClusterIsRefusedBeforeRegistering() throws {
            let master = FakeMaster { c in try c.hello(Fixture.reply(metaID: Fixture.otherCluster)) }
            let run = LinkRun([master])
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "another cluster"), "warnings: \(run.warnings)")
            #expect(warning.contains("belongs to cluster \(Fixture.otherCluster.hex)"))
            #expect(warning.contains("the data here to \(Fixture.cluster.hex)"))
            #expect(run.lastError == warning)
            #expect(eventually(within: 3) { master.connections.count >= 2 })
            for connection in master.connections { #expect(connection.types.allSatisfy { $0 == AnyToMaster.hello }) }
            #expect(run.store.calls == [])
        }

        /// A peer that holds nothing yet follows the master's cluster.
        @Test func peerWithNoClusterYetFollowsAnyCluster() throws {
            let master = FakeMaster { c in
                guard c.index == 0 else { return }
                let hello = try c.hello(Fixture.reply(metaID: Fixture.otherCluster))
                c.note("hello \(hello.role) \(hello.metaID.rawValue) \(hello.epoch)")
                _ = try c.expect(PeerRegister.self)
                try c.send(PeerStart.stream(resumeAfter: .zero).encode())
                try c.send(Fixture.batch(1...2))
                try c.waitForAck(2)
            }
            let run = LinkRun([master], store: FakeStore(Fixture.empty))
            defer { finish(run, master) }
            #expect(eventually(within: 5) { run.link.status.ackedVersion == MetaVersion(2) })
            #expect(master.connections.first?.notes == ["hello metalogger 0 0"])
            #expect(run.store.storedVersions == [1, 2])
        }

        /// A master at an epoch below the highest the peer saw is stale (DESIGN §7.6).
        @Test func staleMasterIsRefusedBeforeRegistering() throws {
            let master = FakeMaster { c in try c.hello(Fixture.reply(epoch: Epoch(2))) }
            let run = LinkRun([master])
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "stale master"), "warnings: \(run.warnings)")
            #expect(warning == "master \(master.address) is at epoch 2, below epoch 3 seen here: stale master")
            #expect(master.connections.first?.registers.isEmpty == true)
        }

        /// Case 5: a follower is passed over for the next address, which is active and followed.
        @Test func followerIsPassedOverForTheActiveMaster() throws {
            let follower = FakeMaster { c in try c.hello(Fixture.reply(role: .follower)) }
            let active = FakeMaster { c in
                guard c.index == 0 else { return }
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                try c.send(Fixture.batch(101...103))
                try c.waitForAck(103)
            }
            let run = LinkRun([follower, active])
            defer { finish(run, follower, active) }
            let warning = try #require(run.warning(containing: "not active"), "warnings: \(run.warnings)")
            #expect(warning == "master \(follower.address) is follower, not active: trying the next address")
            #expect(eventually(within: 5) { run.link.status.ackedVersion == MetaVersion(103) })
            #expect(run.link.status.connected)
            #expect(run.link.status.master == active.address)
            #expect(run.link.status.lastError == nil)
            #expect(run.store.storedVersions == [101, 102, 103])
            #expect(run.store.followed == [active.address])
            #expect(
                eventually(within: 5) { active.connections.first?.acks == [100, 103] },
                "acks: \(String(describing: active.connections.first?.acks))")
            #expect(follower.connections.first?.registers.isEmpty == true)
        }

        @Test func fencedMasterIsPassedOver() throws {
            let master = FakeMaster { c in try c.hello(Fixture.reply(role: .fenced)) }
            let run = LinkRun([master])
            defer { finish(run, master) }
            #expect(run.warning(containing: "is fenced, not active: trying the next address") != nil)
            #expect(master.connections.first?.registers.isEmpty == true)
        }

        static let challenge: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }

        /// Case 6: a challenge while no AUTH_CODE is set here.
        @Test func challengeWithNoAuthCodeIsRefused() throws {
            let master = FakeMaster { c in try c.hello(Fixture.reply(challenge: Self.challenge)) }
            let run = LinkRun([master], authCode: nil)
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "requires AUTH_CODE"), "warnings: \(run.warnings)")
            #expect(warning == "master \(master.address) requires AUTH_CODE, and none is set here")
            #expect(master.connections.first?.types == [AnyToMaster.hello])
        }

        @Test func challengeIsAnsweredWithTheCode() throws {
            let master = FakeMaster { c in
                guard c.index == 0 else { return }
                try c.hello(Fixture.reply(challenge: Self.challenge))
                let answer = try c.expect(AuthResponse.self)
                let expected = passwordResponse(secretDigest: passwordDigest("s3cret code"), challenge: Self.challenge)
                c.note(answer.response == expected ? "proof ok" : "proof wrong")
                _ = try c.expect(PeerRegister.self)
                try c.send(PeerStart.stream(resumeAfter: MetaVersion(100)).encode())
                try c.send(Fixture.batch(101...101))
                try c.waitForAck(101)
            }
            let run = LinkRun([master], authCode: "s3cret code")
            defer { finish(run, master) }
            #expect(eventually(within: 5) { run.link.status.ackedVersion == MetaVersion(101) })
            let connection = try #require(master.connections.first)
            #expect(connection.notes == ["proof ok"])
            #expect(Array(connection.types.prefix(3)) == [AnyToMaster.hello, ClientToMaster.authResponse, PeerToMaster.register])
        }

        /// No challenge: no answer is sent, even with a code set.
        @Test func noChallengeNoAuthResponse() throws {
            let master = FakeMaster { c in
                guard c.index == 0 else { return }
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                try c.idle(0.3)
            }
            let run = LinkRun([master], authCode: "s3cret code")
            defer { finish(run, master) }
            #expect(eventually(within: 5) { run.link.status.connected })
            #expect(master.connections.first?.types == [AnyToMaster.hello, PeerToMaster.register, PeerToMaster.ack])
        }

        /// Case 7: a refusal's reason reaches the log.
        @Test func refusalCarriesItsReason() throws {
            let reason = "AUTH_CODE does not match the master's (check mfsmetalogger.cfg)"
            let master = FakeMaster { c in
                try c.handshake(start: .refused(.badPassword, reason: reason))
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: reason), "warnings: \(run.warnings)")
            #expect(warning == "master \(master.address) refused this metalogger (\(WireStatus.badPassword)): \(reason)")
            #expect(run.store.calls == [])
            #expect(master.connections.first?.acks == [])
        }

        @Test func refusalWithAnEmptyReasonStillNamesTheStatus() throws {
            let master = FakeMaster { c in try c.handshake(start: .refused(.wrongMetaID, reason: "")) }
            let run = LinkRun([master], role: .follower)
            defer { finish(run, master) }
            #expect(run.warning(containing: "refused this follower (\(WireStatus.wrongMetaID))") != nil)
        }

        /// Case 10: the master's history left the peer's after version 90.
        @Test func resumeBelowWhatIsHeldDiscardsTheRest() throws {
            let master = FakeMaster { c in
                guard c.index == 0 else { return }
                try c.handshake(start: .stream(resumeAfter: MetaVersion(90)))
                try c.waitForAck(90)
                try c.send(Fixture.batch(91...92))
                try c.waitForAck(92)
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            #expect(eventually(within: 5) { run.link.status.ackedVersion == MetaVersion(92) })
            #expect(run.store.calls == [.discard(after: 90, count: 10), .store(versions: [91, 92])])
            #expect(run.store.splices == [])
            #expect(
                eventually(within: 5) { master.connections.first?.acks == [90, 92] },
                "acks: \(String(describing: master.connections.first?.acks))")
        }

        @Test func resumeFromNothingDiscardsEverything() throws {
            let master = FakeMaster { c in
                guard c.index == 0 else { return }
                try c.handshake(start: .stream(resumeAfter: .zero))
                try c.waitForAck(0)
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            #expect(eventually(within: 5) { run.link.status.connected })
            #expect(run.store.calls == [.discard(after: 0, count: 100)])
        }

        @Test func resumeAtWhatIsHeldDiscardsNothing() throws {
            let master = FakeMaster { c in
                guard c.index == 0 else { return }
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                try c.waitForAck(100)
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            #expect(eventually(within: 5) { run.link.status.connected })
            #expect(run.store.calls == [])
        }

        @Test func resumeAboveWhatIsHeldIsAGap() throws {
            let master = FakeMaster { c in try c.handshake(start: .stream(resumeAfter: MetaVersion(105))) }
            let run = LinkRun([master])
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "a gap"), "warnings: \(run.warnings)")
            #expect(warning == "master \(master.address) would stream from 106 but this peer holds up to 100: a gap")
            #expect(run.store.calls == [])
            #expect(master.connections.first?.acks == [])
        }
    }
}
