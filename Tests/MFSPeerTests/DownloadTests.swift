import Foundation
import MFSCore
import MFSPeer
import MFSWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Case 3: a fake master sends the metadata file wrong. Nothing is installed from a download
/// that does not add up.
extension PeerLinkTests {
    @Suite struct DownloadTests {
        static let metadata: [UInt8] = (0..<20).map { UInt8($0 * 7 % 251) }

        /// A peer that holds nothing; the first connection runs `script` after the peer's register.
        static func downloading(_ script: @escaping FakeMaster.Script) -> FakeMaster {
            FakeMaster { c in
                guard c.index == 0 else { return }
                try c.hello(Fixture.reply())
                _ = try c.expect(PeerRegister.self)
                try script(c)
            }
        }

        static func block(_ offset: Int, _ bytes: ArraySlice<UInt8>, last: Bool) -> [UInt8] {
            MetadataBlock(offset: UInt64(offset), isLast: last, bytes: Array(bytes)).encode()
        }

        @Test func goodDownloadIsInstalledThenFollowed() throws {
            let master = Self.downloading { c in
                try c.send(PeerStart.download(version: MetaVersion(50), length: 20).encode())
                try c.send(Self.block(0, Self.metadata[0..<12], last: false))
                try c.send(Self.block(12, Self.metadata[12...], last: true))
                try c.waitForAck(50)
                try c.send(Fixture.batch(51...52))
                try c.waitForAck(52)
            }
            let run = LinkRun([master], store: FakeStore(Fixture.empty))
            defer { finish(run, master) }
            #expect(eventually(within: 5) { run.link.status.ackedVersion == MetaVersion(52) })
            #expect(run.store.calls == [.install(version: 50, bytes: Self.metadata), .store(versions: [51, 52])])
            #expect(run.store.splices == [])
            #expect(master.connections.first?.registers.first?.lastVersion == MetaVersion.zero)
            #expect(
                eventually(within: 5) { master.connections.first?.acks == [50, 52] },
                "acks: \(String(describing: master.connections.first?.acks))")
            #expect(run.warnings == [])
        }

        @Test func blockWithABadCRCIsRefused() throws {
            let master = Self.downloading { c in
                try c.send(PeerStart.download(version: MetaVersion(50), length: 20).encode())
                var block = Self.block(0, Self.metadata[0...], last: true)
                // header 8, offset 8, flags 1: the CRC is bytes 17…20.
                block[17] ^= 0xFF
                try c.send(block)
            }
            let run = LinkRun([master], store: FakeStore(Fixture.empty))
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "sent a bad message"), "warnings: \(run.warnings)")
            #expect(warning.contains("crc"))
            #expect(warning.contains("does not match its CRC"))
            #expect(run.store.calls == [])
            #expect(master.connections.first?.acks == [])
        }

        @Test func blockAtTheWrongOffsetIsRefused() throws {
            let master = Self.downloading { c in
                try c.send(PeerStart.download(version: MetaVersion(50), length: 20).encode())
                try c.send(Self.block(0, Self.metadata[0..<10], last: false))
                try c.send(Self.block(12, Self.metadata[10...], last: true))
            }
            let run = LinkRun([master], store: FakeStore(Fixture.empty))
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "metadata block"), "warnings: \(run.warnings)")
            #expect(
                warning == "master \(master.address) sent a metadata block at offset 12, expected one at 10")
            #expect(run.store.calls == [])
        }

        @Test func firstBlockNotAtZeroIsRefused() throws {
            let master = Self.downloading { c in
                try c.send(PeerStart.download(version: MetaVersion(50), length: 20).encode())
                try c.send(Self.block(10, Self.metadata[10...], last: true))
            }
            let run = LinkRun([master], store: FakeStore(Fixture.empty))
            defer { finish(run, master) }
            #expect(run.warning(containing: "sent a metadata block at offset 10, expected one at 0") != nil)
            #expect(run.store.calls == [])
        }

        @Test func blocksTotallingMoreThanAnnouncedAreRefused() throws {
            let master = Self.downloading { c in
                try c.send(PeerStart.download(version: MetaVersion(50), length: 15).encode())
                try c.send(Self.block(0, Self.metadata[0..<10], last: false))
                try c.send(Self.block(10, Self.metadata[10...], last: true))
            }
            let run = LinkRun([master], store: FakeStore(Fixture.empty))
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "metadata block"), "warnings: \(run.warnings)")
            #expect(warning.contains("past the announced 15 bytes (a block of 10 at 10)"))
            #expect(run.store.calls == [])
        }

        @Test func blocksTotallingLessThanAnnouncedAreRefused() throws {
            let master = Self.downloading { c in
                try c.send(PeerStart.download(version: MetaVersion(50), length: 30).encode())
                try c.send(Self.block(0, Self.metadata[0..<10], last: false))
                try c.send(Self.block(10, Self.metadata[10...], last: true))
            }
            let run = LinkRun([master], store: FakeStore(Fixture.empty))
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "download"), "warnings: \(run.warnings)")
            #expect(warning == "master \(master.address) ended the metadata download at 20 of 30 bytes")
            #expect(run.store.calls == [])
        }

        /// The announced length reached without the last flag: the next block is one too many.
        @Test func blockPastTheAnnouncedLengthIsRefused() throws {
            let master = Self.downloading { c in
                try c.send(PeerStart.download(version: MetaVersion(50), length: 20).encode())
                try c.send(Self.block(0, Self.metadata[0...], last: false))
                try c.send(Self.block(20, Self.metadata[0..<1], last: true))
            }
            let run = LinkRun([master], store: FakeStore(Fixture.empty))
            defer { finish(run, master) }
            #expect(run.warning(containing: "sent metadata blocks past the announced 20 bytes (a block of 1 at 20)") != nil)
            #expect(run.store.calls == [])
        }

        @Test func changesInsteadOfBlocksAreRefused() throws {
            let master = Self.downloading { c in
                try c.send(PeerStart.download(version: MetaVersion(50), length: 20).encode())
                try c.send(Fixture.batch(51...52))
            }
            let run = LinkRun([master], store: FakeStore(Fixture.empty))
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "sent a bad message"), "warnings: \(run.warnings)")
            #expect(warning.contains("a metadata block"))
            #expect(run.store.calls == [])
        }

        @Test func downloadOneByteOverTheLimitIsRefusedBeforeAnyBlock() throws {
            let master = Self.downloading { c in
                try c.send(PeerStart.download(version: MetaVersion(50), length: PeerLinkLimits.maxMetadataBytes + 1).encode())
            }
            let run = LinkRun([master], store: FakeStore(Fixture.empty), silence: 3)
            defer { finish(run, master) }
            // Refused at once: with no block coming, waiting for one would take `silence`.
            let warning = try #require(run.warning(containing: "over the limit", within: 2), "warnings: \(run.warnings)")
            #expect(
                warning
                    == "master \(master.address) offers a metadata file of \(PeerLinkLimits.maxMetadataBytes + 1) bytes, over the limit of \(PeerLinkLimits.maxMetadataBytes)"
            )
            #expect(run.store.calls == [])
            #expect(master.connections.first?.acks == [])
        }

        /// In this process the link reserves the whole announced length (see the next test), so
        /// this runs only where that much memory can be had.
        @Test(
            .enabled(
                if: ProcessInfo.processInfo.physicalMemory > PeerLinkLimits.maxMetadataBytes + (2 << 30),
                "needs more than 18 GiB of memory: the link reserves the whole 16 GiB it is offered"))
        func downloadAtTheLimitIsAccepted() throws {
            let master = Self.downloading { c in
                try c.send(PeerStart.download(version: MetaVersion(50), length: PeerLinkLimits.maxMetadataBytes).encode())
                try c.idle(0.3)
                c.close()
            }
            let run = LinkRun([master], store: FakeStore(Fixture.empty))
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "closed the connection"), "warnings: \(run.warnings)")
            #expect(warning == "\(master.address) closed the connection")
            #expect(!run.warnings.contains { $0.contains("limit") })
            #expect(
                run.messages.contains { $0.contains("downloading the metadata") && $0.contains("\(PeerLinkLimits.maxMetadataBytes) bytes") }
            )
            #expect(run.store.calls == [])
        }

        /// A master that announces a file at the limit and sends nothing must cost the peer no
        /// more memory than what arrives (WireLimits: "checked before any allocation"). Run in a
        /// child process with 4 GiB of address space: a peer that reserves the announced length
        /// up front dies there ("Fatal error: failed to allocate 17179869216 bytes of memory",
        /// from `bytes.reserveCapacity(Int(length))` in `PeerLink.download`).
        @Test func downloadAnnouncedAtTheLimitReservesNothingUpFront() async {
            await #expect(processExitsWith: .success) {
                var limit = rlimit(rlim_cur: 4 << 30, rlim_max: 4 << 30)
                guard setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0 else { exit(2) }
                let master = DownloadTests.downloading { c in
                    try c.send(PeerStart.download(version: MetaVersion(50), length: PeerLinkLimits.maxMetadataBytes).encode())
                    try c.send(DownloadTests.block(0, DownloadTests.metadata[0...], last: false))
                    try c.idle(0.3)
                    c.close()
                }
                let run = LinkRun([master], store: FakeStore(Fixture.empty))
                let closed = run.warning(containing: "closed the connection") != nil
                finish(run, master)
                exit(closed ? 0 : 3)
            }
        }
    }
}
