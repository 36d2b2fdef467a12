import Foundation
import MFSChangelog
import MFSCore
import MFSPeer
import MFSWire
import Testing

/// Every peer-link test runs alone: they time silences and backoffs on a 2-core machine.
@Suite(.serialized) struct PeerLinkTests {}

/// A fake master streams changes, some of them wrong: the link says what is wrong, stores and
/// acknowledges nothing of the bad batch, and never splices.
extension PeerLinkTests {
    @Suite struct ChangeStreamTests {
        /// Later connections get no hello reply, so the first error stays the last one a while.
        static func firstOnly(_ script: @escaping FakeMaster.Script) -> FakeMaster {
            FakeMaster { connection in
                guard connection.index == 0 else { return }
                try script(connection)
            }
        }

        @Test func goodBatchesAreStoredAndAcknowledged() throws {
            let master = Self.firstOnly { c in
                let register = try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                c.note("register \(register.lastVersion) \(register.tailEpoch)")
                try c.send(Fixture.batch(101...103))
                try c.waitForAck(103)
                try c.send(MasterAlive(version: MetaVersion(103), epoch: Fixture.epoch).encode())
                try c.waitForAck(103)  // the heartbeat's answer: what the peer holds
                try c.send(Fixture.batch(104...104))
                try c.waitForAck(104)
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            #expect(eventually(within: 5) { run.link.status.ackedVersion == MetaVersion(104) })
            #expect(run.store.storedVersions == Array(101...104))
            #expect(run.store.splices == [])
            let first = try #require(master.connections.first)
            #expect(first.notes.first == "register 100 3")
            #expect(eventually(within: 5) { first.acks == [100, 103, 103, 104] }, "acks: \(String(describing: first.acks))")
            #expect(run.link.status.connected)
            #expect(run.link.status.master == master.address)
            #expect(run.store.followed == [master.address])
            #expect(run.warnings == [])
        }

        /// Case 1: a batch after a gap.
        @Test func batchAfterAGapIsRefused() throws {
            let master = Self.firstOnly { c in
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                try c.send(Fixture.batch(101...102))
                try c.waitForAck(102)
                try c.send(Fixture.batch(105...106))
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "a gap"))
            #expect(warning == "master \(master.address) sent changes from 105, expected 103: a gap; resyncing")
            #expect(run.lastError == warning)
            #expect(run.store.storedVersions == [101, 102])
            #expect(run.store.splices == [])
            #expect(
                eventually(within: 5) { master.connections.first?.acks == [100, 102] },
                "acks: \(String(describing: master.connections.first?.acks))")
        }

        @Test func firstBatchAfterAGapIsRefused() throws {
            let master = Self.firstOnly { c in
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                try c.send(Fixture.batch(102...103))
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            #expect(run.warning(containing: "sent changes from 102, expected 101: a gap") != nil)
            #expect(run.store.calls == [])
            #expect(
                eventually(within: 5) { master.connections.first?.acks == [100] },
                "acks: \(String(describing: master.connections.first?.acks))")
        }

        /// A batch that overlaps what the peer holds is a gap too (never stored twice).
        @Test func batchOverlappingWhatIsHeldIsRefused() throws {
            let master = Self.firstOnly { c in
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                try c.send(Fixture.batch(100...101))
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            #expect(run.warning(containing: "sent changes from 100, expected 101: a gap") != nil)
            #expect(run.store.calls == [])
        }

        struct BadBatch: Sendable, CustomTestStringConvertible {
            let name: String
            /// The batch, meant to follow version 102.
            let bytes: [UInt8]
            /// What the link's error must say.
            let reason: String
            var testDescription: String { name }
        }

        static let line103 = Fixture.text([103])

        static let badBatches: [BadBatch] = [
            BadBatch(
                name: "a version skipped inside", bytes: Fixture.rawBatch(first: 103, count: 2, text: Fixture.text([103, 105])),
                reason: "sent change 105 where 104 belonged"),
            BadBatch(
                name: "first line not firstVersion", bytes: Fixture.rawBatch(first: 103, count: 2, text: Fixture.text([104, 105])),
                reason: "sent change 104 where 103 belonged"),
            BadBatch(
                name: "lines in the wrong order", bytes: Fixture.rawBatch(first: 103, count: 2, text: Fixture.text([104, 103])),
                reason: "sent change 104 where 103 belonged"),
            BadBatch(
                name: "a line that does not parse",
                bytes: Fixture.rawBatch(first: 103, count: 2, text: line103 + Array("104: 1795315206|NOSUCHOP(1)\n".utf8)),
                reason: "sent a changelog line that does not parse"),
            BadBatch(
                name: "an empty line", bytes: Fixture.rawBatch(first: 103, count: 2, text: line103 + [0x0A]),
                reason: "sent a changelog line that does not parse"),
            BadBatch(
                name: "more lines than count", bytes: Fixture.rawBatch(first: 103, count: 1, text: Fixture.text([103, 104])),
                reason: "sent a batch of 2 lines announced as 1"),
            BadBatch(
                name: "fewer lines than count", bytes: Fixture.rawBatch(first: 103, count: 3, text: Fixture.text([103, 104])),
                reason: "sent a batch of 2 lines announced as 3"),
            BadBatch(
                name: "count 0", bytes: Fixture.rawBatch(first: 103, count: 0, text: line103),
                reason: "sent a bad message"),
            BadBatch(
                name: "text not ending in a newline", bytes: Fixture.rawBatch(first: 103, count: 1, text: line103.dropLast()),
                reason: "does not end with a newline"),
            BadBatch(
                name: "textLength past the frame", bytes: Fixture.rawBatch(first: 103, count: 1, text: line103, textLength: 1_000),
                reason: "sent a bad message"),
            BadBatch(
                name: "bytes after the text",
                bytes: Fixture.frame(MasterToPeer.changes, Array(Fixture.rawBatch(first: 103, count: 1, text: line103).dropFirst(8)) + [0]),
                reason: "sent a bad message"),
            BadBatch(
                name: "a message of another type", bytes: PeerStart.stream(resumeAfter: MetaVersion(102)).encode(),
                reason: "sent a bad message"),
        ]

        /// Case 2: a batch that does not hold together is refused whole, with the reason.
        @Test(arguments: badBatches) func badBatchIsRefusedWhole(_ bad: BadBatch) throws {
            let master = Self.firstOnly { c in
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                try c.send(Fixture.batch(101...102))
                try c.waitForAck(102)
                try c.send(bad.bytes)
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: bad.reason), "warnings: \(run.warnings)")
            #expect(warning.hasPrefix("master \(master.address) "))
            #expect(run.lastError == warning)
            #expect(run.store.storedVersions == [101, 102])
            #expect(run.store.splices == [])
            #expect(
                eventually(within: 5) { master.connections.first?.acks == [100, 102] },
                "acks: \(String(describing: master.connections.first?.acks))")
        }

        /// A bad batch right behind good ones that came with it: none of them is stored.
        @Test func goodBatchesBeforeABadOneInTheSameReadAreNotStoredEither() throws {
            let master = Self.firstOnly { c in
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                try c.send(
                    Fixture.batch(101...102) + Fixture.batch(103...104)
                        + Fixture.rawBatch(first: 105, count: 2, text: Fixture.text([105, 107])))
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            #expect(run.warning(containing: "sent change 107 where 106 belonged") != nil)
            // Whether the good batches were stored depends on how the bytes arrived; what was
            // stored must continue what was held, and nothing of the bad batch.
            #expect(run.store.splices == [])
            #expect(run.store.storedVersions.allSatisfy { $0 <= 104 })
            #expect(master.connections.first?.acks.allSatisfy { $0 <= 104 } == true)
        }

        /// Case 9: a header announcing more than `WireLimits.maxFrameLength`.
        @Test func frameOverTheLengthLimitIsABadFrame() throws {
            let master = Self.firstOnly { c in
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                try c.send(Fixture.header(MasterToPeer.changes, length: UInt32(WireLimits.maxFrameLength + 1)))
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "bad frame"), "warnings: \(run.warnings)")
            #expect(warning.hasPrefix("\(master.address) sent a bad frame"))
            #expect(warning.contains("\(WireLimits.maxFrameLength + 1)"))
            #expect(run.store.calls == [])
        }

        /// At the limit the frame is read whole; what fails then is the batch inside, not the frame.
        @Test func frameAtTheLengthLimitIsReadWhole() throws {
            let master = Self.firstOnly { c in
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                let text = [UInt8](repeating: 0x61, count: WireLimits.maxFrameLength - 16 - 1) + [0x0A]
                let frame = Fixture.rawBatch(first: 101, count: 1, text: text)
                precondition(frame.count == 8 + WireLimits.maxFrameLength)
                try c.send(frame)
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "sent a bad message"), "warnings: \(run.warnings)")
            #expect(warning.contains("textLength"))
            #expect(!run.warnings.contains { $0.contains("bad frame") })
            #expect(run.store.calls == [])
        }

        @Test func frameOverTheLengthLimitInsteadOfTheHelloReplyIsABadFrame() throws {
            let master = Self.firstOnly { c in
                _ = try c.expect(Hello.self)
                try c.send(Fixture.header(MasterToAny.hello, length: UInt32.max))
            }
            let run = LinkRun([master])
            defer { finish(run, master) }
            #expect(run.warning(containing: "\(master.address) sent a bad frame") != nil)
            #expect(master.connections.first?.registers.isEmpty == true)
        }

        /// A store that fails: nothing is acknowledged past what was stored.
        @Test func storeFailureIsNotAcknowledged() throws {
            let store = FakeStore()
            let master = Self.firstOnly { c in
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                try c.send(Fixture.batch(101...102))
                try c.waitForAck(102)
                store.failStores("changelog.0.mfs: no space left on device")
                try c.send(Fixture.batch(103...104))
            }
            let run = LinkRun([master], store: store)
            defer { finish(run, master) }
            #expect(run.warning(containing: "no space left on device") != nil)
            #expect(store.storedVersions == [101, 102])
            #expect(
                eventually(within: 5) { master.connections.first?.acks == [100, 102] },
                "acks: \(String(describing: master.connections.first?.acks))")
            #expect(run.link.status.ackedVersion == MetaVersion(102))
        }

        /// Changes that arrive faster than they are stored are stored in groups of about 4 MiB;
        /// none of them may be lost between two groups.
        /// `SYMLINK` lines of about 4 KiB each: many bytes for few lines to parse.
        static func longLines(_ versions: ClosedRange<UInt64>) -> [UInt8] {
            let target = [UInt8](repeating: 0x74, count: 4_000)
            var text: [UInt8] = []
            for version in versions {
                let change = Change.symlink(parent: .root, name: "l", target: target, uid: 0, gid: 0)
                let record = ChangelogRecord(version: MetaVersion(version), time: Fixture.time, change: change, result: 1_000 + version)
                ChangelogCodec.append(record, to: &text)
            }
            return text
        }

        @Test func manyBatchesInARowAreAllStored() throws {
            let perBatch: UInt64 = 16  // about 64 KiB a batch
            let batches: UInt64 = 120  // about 7.5 MiB in all
            let last = 100 + perBatch * batches
            let master = Self.firstOnly { c in
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                var bytes: [UInt8] = []
                for k in 0..<batches {
                    let first = 101 + k * perBatch
                    let versions = first...(first + perBatch - 1)
                    bytes += ChangeBatch(firstVersion: MetaVersion(first), count: UInt32(perBatch), text: Self.longLines(versions)).encode()
                }
                try c.send(bytes)
                try c.waitForAck(last, timeout: 30)
            }
            let run = LinkRun([master], silence: 5)
            defer { finish(run, master) }
            let done = eventually(within: 30) {
                run.link.status.ackedVersion == MetaVersion(last) || !run.warnings.isEmpty
            }
            #expect(done)
            #expect(run.warnings == [])
            #expect(run.link.status.ackedVersion == MetaVersion(last))
            let stored = run.store.storedVersions
            #expect(stored.count == Int(last - 100) && stored.last == last, "stored \(stored.count) changes, up to \(stored.last ?? 0)")
            #expect(run.store.splices == [])
            #expect(master.connections.count == 1)
        }
    }
}
