import Foundation
import MFSCore
import MFSTestSupport
import MooseWire
import Testing

@testable import MFSChunkserver

#if canImport(Glibc)
    import Glibc
#endif

/// Real `mfschunkserver` processes on loopback, driven by `TestMaster` and `DataClient`.
@Suite(.serialized) struct ChunkserverProcessTests {
    /// A master, one started chunkserver, its link once registered.
    private func registered(_ options: TestMaster.Options = .init(), extra: [String] = []) throws -> (
        TestMaster, ChunkserverProcess, TestMaster.Link
    ) {
        let master = try TestMaster(options)
        let server = try ChunkserverProcess(masterPort: master.port, extra: extra)
        try server.start()
        guard let link = master.registered() else {
            let log = server.log
            server.remove()
            master.stop()
            throw LabFailure("the chunkserver did not register:\n\(log)")
        }
        return (master, server, link)
    }

    private func create(_ link: TestMaster.Link, _ id: UInt64, version: UInt32 = 1) -> MooseStatus? {
        link.status(CreateChunk(chunkID: ChunkID(id), version: WireVersion(version)).encode(), chunk: ChunkID(id))
    }

    @Test func registersWithoutPasswordAndKeepsTheCsid() throws {
        let (master, server, link) = try registered()
        defer { server.remove(); master.stop() }
        let begin = try #require(link.snapshot { $0.begin })
        #expect(begin.address.ip == 0x7F00_0001 && begin.address.port != 0 && begin.passcode == nil)
        #expect(waitFor(5) { (try? Data(contentsOf: URL(fileURLWithPath: server.dataPath + "/chunkserverid.mfs")))?.count == 10 })
        let file = try Data(contentsOf: URL(fileURLWithPath: server.dataPath + "/chunkserverid.mfs"))
        #expect(Array(file) == [0, 7, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0])
    }

    /// A data port already in use: the chunkserver stops at once, naming the address and the
    /// keys that set it.
    @Test func aDataPortInUseIsNamedAndTheChunkserverStops() throws {
        let occupied = try OccupiedPort()
        defer { withExtendedLifetime(occupied) {} }  // held until the daemon has tried it
        let port = occupied.port
        let server = try ChunkserverProcess(masterPort: 1, extra: ["CSSERV_LISTEN_PORT = \(port)"])
        defer { server.remove() }
        try server.start()
        #expect(waitFor(10) { !server.isRunning }, "the chunkserver kept running: \(server.log)")
        #expect(server.stop() == 3, "a failure after the start, which systemd restarts: \(server.log)")
        let named = "cannot listen on 127.0.0.1:\(port) for the data port (CSSERV_LISTEN_HOST, CSSERV_LISTEN_PORT): Address already in use"
        #expect(server.log.contains(named), "\(server.log)")
    }

    /// A MASTER_HOST list whose first master takes each connection and ends it before the
    /// registration (as a fenced master does): the chunkserver goes on to the next entry and
    /// registers there, instead of knocking at the first one for ever.
    @Test func aMasterThatEndsTheConnectionBeforeTheRegistrationGivesWayToTheNextOfTheList() throws {
        let closing = try #require(boundLoopbackSocket())
        try #require(listen(closing.fd, 16) == 0)
        let accepted = LockedValue(0)
        let acceptor = Thread {
            while true {
                let connection = accept(closing.fd, nil, nil)
                guard connection >= 0 else { return }  // the listener was shut down
                accepted.update { $0 += 1 }
                close(connection)
            }
        }
        acceptor.start()
        defer {
            shutdown(closing.fd, Int32(SHUT_RDWR))
            close(closing.fd)
        }
        let master = try TestMaster()
        let server = try ChunkserverProcess(
            masterPort: master.port, extra: ["MASTER_HOST = 127.0.0.1:\(closing.port), 127.0.0.1:\(master.port)"])
        defer { server.remove(); master.stop() }
        try server.start()
        #expect(master.registered() != nil, "\(server.log)")
        #expect(accepted.value >= 1, "the first master of the list was never tried")
    }

    /// HDD_TEST_SPEED = 0 turns the background test off: the chunkserver says so, registers
    /// and stays up (a service that ends must not end the daemon).
    @Test func withTheBackgroundTestOffTheChunkserverRunsAndSaysSo() throws {
        let (master, server, _) = try registered(extra: ["HDD_TEST_SPEED = 0"])
        defer { server.remove(); master.stop() }
        #expect(waitFor(5) { server.log.contains("HDD_TEST_SPEED = 0: chunks are not tested in the background") }, "\(server.log)")
        Thread.sleep(forTimeInterval: 1)
        #expect(server.isRunning, "\(server.log)")
    }

    @Test func registersWithTheRightPasswordOnly() throws {
        var options = TestMaster.Options()
        options.authCode = "secretpw"
        let (master, server, link) = try registered(options, extra: ["AUTH_CODE = secretpw"])
        #expect(link.snapshot { $0.begin?.passcode } != nil)
        server.remove()
        master.stop()

        let strict = try TestMaster(options)
        let wrong = try ChunkserverProcess(masterPort: strict.port, extra: ["AUTH_CODE = wrong"])
        defer { wrong.remove(); strict.stop() }
        try wrong.start()
        #expect(waitFor(5) { strict.refusedPasswords >= 2 }, "a wrong password is refused, again at each reconnect")
        #expect(strict.registered(within: 1) == nil && wrong.isRunning)
    }

    @Test func reregistersWithTheChunkListAtOnceAfterTheMasterDropsIt() throws {
        let (master, server, link) = try registered()
        defer { server.remove(); master.stop() }
        #expect(create(link, 0x51) == .ok && create(link, 0x52, version: 3) == .ok)
        let dropped = Date()
        master.dropConnections()
        let again = try #require(master.registered(where: { $0 !== link }))
        let took = Date().timeIntervalSince(dropped)
        let chunks = again.snapshot { $0.chunks }
        #expect(Set(chunks.map(\.chunkID)) == [ChunkID(0x51), ChunkID(0x52)])
        #expect(chunks.first { $0.chunkID == ChunkID(0x52) }?.version == WireVersion(3))
        // The first retry comes after tens of milliseconds (MooseFS's chunkserver waits 5 s);
        // 2.5 s leaves room for a busy host and still tells the two apart.
        #expect(took < 2.5, "registered again after \(took) s")
        print("chunkserver re-registered \(Int(took * 1000)) ms after the master dropped it")
    }

    @Test func silentMasterIsLeftAndTheChunkserverRegistersAgain() throws {
        let (master, server, link) = try registered()
        defer { server.remove(); master.stop() }
        // The old link stays open (no FIN) but the master stops answering on it: the probe goes
        // unanswered while the address answers new connections (`SideProbe`), as after a silent
        // host death once the virtual IP moved: the link is left at once, not after
        // MASTER_SILENCE_TIMEOUT.
        #expect(waitFor(3) { link.snapshot { $0.received.contains { if case .getVersion = $0 { true } else { false } } } }, "probed")
        let silenced = Date()
        link.snapshot { $0.silent = true }
        let again = try #require(master.registered(within: 5, where: { $0 !== link }), "\(server.log)")
        #expect(again.snapshot { $0.registered })
        #expect(server.log.contains("answers a new connection but not this one"), "\(server.log)")
        print("silent master left; registered again after \(Int(Date().timeIntervalSince(silenced) * 1000)) ms")
    }

    @Test func writesThroughTheDataPortAndReadsBackTheSameBytes() throws {
        let (master, server, link) = try registered()
        defer { server.remove(); master.stop() }
        let port = try #require(link.snapshot { $0.begin?.address.port })
        #expect(create(link, 0x100) == .ok)
        let bytes = pattern(200_000, seed: 1)
        let statuses = try DataClient(port: port).write(ChunkID(0x100), version: 1, offset: 1_000, bytes: bytes)
        #expect(!statuses.isEmpty && statuses.allSatisfy { $0 == .ok })
        let read = try DataClient(port: port).read(ChunkID(0x100), version: 1, offset: 1_000, size: bytes.count)
        #expect(try read.get() == bytes)
        // Past the chunk's end, within 64 MiB: zeros, as MooseFS.
        #expect(
            try DataClient(port: port).read(ChunkID(0x100), version: 1, offset: 1 << 20, size: 100).get()
                == [UInt8](repeating: 0, count: 100))
        #expect(try DataClient(port: port).read(ChunkID(0x100), version: 2, offset: 0, size: 10) == .failure(.init(status: .wrongVersion)))
    }

    /// Stops `server`, flips the bits `mask` of byte `offset` of the data of its only chunk
    /// file, starts it again: its new link to `master` and data port.
    private func damage(
        _ server: ChunkserverProcess, of master: TestMaster, after link: TestMaster.Link, at offset: Int, mask: UInt8 = 0xFF
    ) throws -> (TestMaster.Link, UInt16) {
        #expect(server.stop() == 0)
        let (name, _) = try #require(server.chunkFiles().first)
        let path = server.chunkDirectory + "/" + name
        var file = try Data(contentsOf: URL(fileURLWithPath: path))
        file[8192 + offset] ^= mask
        try file.write(to: URL(fileURLWithPath: path))
        try server.start()
        let again = try #require(master.registered(where: { $0 !== link }))
        return (again, try #require(again.snapshot { $0.begin?.address.port }))
    }

    @Test func aFlippedByteIsNeverSentAndTheMasterHearsTheChunkIsDamaged() throws {
        let (master, server, link) = try registered()
        defer { server.remove(); master.stop() }
        let port = try #require(link.snapshot { $0.begin?.address.port })
        #expect(create(link, 0x200) == .ok)
        #expect(
            try DataClient(port: port).write(ChunkID(0x200), version: 1, offset: 0, bytes: pattern(150_000, seed: 2)).allSatisfy {
                $0 == .ok
            })
        let (again, newPort) = try damage(server, of: master, after: link, at: 65_536 + 10)
        #expect(try DataClient(port: newPort).read(ChunkID(0x200), version: 1, offset: 0, size: 100).get().count == 100)
        #expect(try DataClient(port: newPort).read(ChunkID(0x200), version: 1, offset: 65_536, size: 100) == .failure(.init(status: .crc)))
        #expect(waitFor(5) { again.damagedReports.contains(ChunkID(0x200)) })
        // Its chunk list cannot say so: the next registration (a reconnection, another master)
        // reports the damage again, right after the list.
        master.dropConnections()
        let third = try #require(master.registered(where: { $0 !== link && $0 !== again }))
        #expect(third.snapshot { $0.chunks.map(\.chunkID) } == [ChunkID(0x200)])
        #expect(waitFor(5) { third.damagedReports == [ChunkID(0x200)] }, "\(third.damagedReports)")
    }

    /// A read runs several disk jobs at once (`readJobsInFlight`), and a later batch may come
    /// back from the disk first: what goes out is still every block before the damaged one's
    /// batch, in order, then the CRC status, and nothing read after it.
    @Test func aReadThatMeetsADamagedBlockSendsTheBlocksBeforeItInOrderThenTheStatus() throws {
        let (master, server, link) = try registered()
        defer { server.remove(); master.stop() }
        let port = try #require(link.snapshot { $0.begin?.address.port })
        #expect(create(link, 0x210) == .ok)
        let blocks = 6 * ChunkserverLimits.readBlocksPerJob
        let bytes = pattern(blocks * MooseWireLimits.blockSize, seed: 5)
        #expect(try DataClient(port: port).write(ChunkID(0x210), version: 1, offset: 0, bytes: bytes).allSatisfy { $0 == .ok })
        // Whole, in order, before any damage.
        let (pieces, status) = try DataClient(port: port).readPieces(ChunkID(0x210), version: 1, offset: 0, size: bytes.count)
        #expect(status == .ok && pieces.map(\.chunkOffset) == (0..<blocks).map { $0 * MooseWireLimits.blockSize })
        #expect(pieces.flatMap(\.data) == bytes)
        let damaged = 2 * ChunkserverLimits.readBlocksPerJob + 3
        let (_, newPort) = try damage(server, of: master, after: link, at: damaged * MooseWireLimits.blockSize + 7, mask: 0x01)
        let (before, ended) = try DataClient(port: newPort).readPieces(ChunkID(0x210), version: 1, offset: 0, size: bytes.count)
        #expect(ended == .crc)
        let sent = damaged / ChunkserverLimits.readBlocksPerJob * ChunkserverLimits.readBlocksPerJob
        #expect(before.map(\.chunkOffset) == (0..<sent).map { $0 * MooseWireLimits.blockSize })
        #expect(before.allSatisfy(\.crcMatches) && before.flatMap(\.data) == Array(bytes[0..<sent * MooseWireLimits.blockSize]))
    }

    /// Chunk queries on the data port are taken one at a time (the next frame waits for the
    /// disk's answer), so a burst of them queues no work without bound; each is answered, in
    /// the order asked, and a read after them is served.
    @Test func aBurstOfChunkQueriesIsAnsweredInOrderOneAtATime() throws {
        let (master, server, link) = try registered()
        defer { server.remove(); master.stop() }
        let port = try #require(link.snapshot { $0.begin?.address.port })
        #expect(create(link, 0x220) == .ok)
        let bytes = pattern(3 * MooseWireLimits.blockSize, seed: 9)
        #expect(try DataClient(port: port).write(ChunkID(0x220), version: 1, offset: 0, bytes: bytes).allSatisfy { $0 == .ok })
        let connection = try DataClient(port: port).connection()
        let queries = 2_000
        var burst: [UInt8] = []
        for k in 0..<queries {
            burst += GetChunkBlocks(chunkID: ChunkID(k % 2 == 0 ? 0x220 : 0x221), version: 1).encode()
        }
        try connection.send(burst)
        var answers: [(ChunkID, UInt16, MooseStatus)] = []
        while answers.count < queries {
            let frame = try connection.receive()
            guard frame.type != .nop else { continue }
            let answer = try ChunkBlocks.decode(frame)
            answers.append((answer.chunkID, answer.blocks, answer.status))
        }
        #expect(
            answers.enumerated().allSatisfy { k, a in k % 2 == 0 ? a == (ChunkID(0x220), 3, .ok) : a.0 == ChunkID(0x221) && a.2 == .noChunk
            })
        let (pieces, status) = try DataClient(port: port).readPieces(ChunkID(0x220), version: 1, offset: 0, size: bytes.count)
        #expect(status == .ok && pieces.flatMap(\.data) == bytes)
    }

    @Test func replicatesFromAnotherChunkserverAndForwardsAWriteChain() throws {
        let master = try TestMaster()
        let a = try ChunkserverProcess(masterPort: master.port)
        let b = try ChunkserverProcess(masterPort: master.port)
        defer { a.remove(); b.remove(); master.stop() }
        try a.start()
        let linkA = try #require(master.registered())
        try b.start()
        let linkB = try #require(master.registered(where: { $0 !== linkA }))
        let portA = try #require(linkA.snapshot { $0.begin?.address.port })
        let portB = try #require(linkB.snapshot { $0.begin?.address.port })
        #expect(create(linkA, 0x300, version: 4) == .ok)
        let bytes = pattern(300_001, seed: 3)
        #expect(try DataClient(port: portA).write(ChunkID(0x300), version: 4, offset: 0, bytes: bytes).allSatisfy { $0 == .ok })
        let replicate = ReplicateChunk(
            chunkID: ChunkID(0x300), version: WireVersion(4), source: ChunkserverAddress(127, 0, 0, 1, port: portA))
        let status = linkB.command(replicate.encode()) { message -> MooseStatus? in
            if case .replicateStatus(let reply) = message { return reply.status }
            return nil
        }
        #expect(status == .ok)
        #expect(try DataClient(port: portB).read(ChunkID(0x300), version: 4, offset: 0, size: bytes.count).get() == bytes)
        // A chain: the client writes to A, which forwards to B; both then hold the bytes.
        #expect(create(linkA, 0x301) == .ok && create(linkB, 0x301) == .ok)
        let chained = pattern(140_000, seed: 4)
        let chain = [ChunkserverAddress(127, 0, 0, 1, port: portB)]
        #expect(
            try DataClient(port: portA).write(ChunkID(0x301), version: 1, chain: chain, offset: 5, bytes: chained).allSatisfy { $0 == .ok })
        #expect(try DataClient(port: portA).read(ChunkID(0x301), version: 1, offset: 5, size: chained.count).get() == chained)
        #expect(try DataClient(port: portB).read(ChunkID(0x301), version: 1, offset: 5, size: chained.count).get() == chained)
    }

    /// A replication source that only keeps the connection alive (NOPs, no answer) cannot hold
    /// the destination's disk thread: after `replicationNopsInARow` NOPs in a row the
    /// replication fails, and no copy is left behind.
    @Test func aSourceThatOnlySendsNOPsFailsTheReplication() throws {
        let (master, server, link) = try registered()
        defer { server.remove(); master.stop() }
        let (listener, sourcePort) = try #require(boundLoopbackSocket())
        defer { close(listener) }
        #expect(listen(listener, 4) == 0)
        let stop = LockedValue(false)
        defer { stop.update { $0 = true } }
        Thread.detachNewThread {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            let nop = Nop().encode()
            while !stop.value {
                guard nop.withUnsafeBytes({ send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == nop.count else { return }
                usleep(100_000)
            }
        }
        let replicate = ReplicateChunk(
            chunkID: ChunkID(0x310), version: WireVersion(2), source: ChunkserverAddress(127, 0, 0, 1, port: UInt16(sourcePort)))
        let status = link.command(replicate.encode(), within: 10) { message -> MooseStatus? in
            if case .replicateStatus(let reply) = message { return reply.status }
            return nil
        }
        #expect(status != nil && status != .ok, "\(String(describing: status))")
        #expect(server.log.contains("\(ChunkserverLimits.replicationNopsInARow + 1) NOPs in a row"), "\(server.log.suffix(1_000))")
        #expect(server.chunkFiles().isEmpty, "a copy was left: \(server.chunkFiles())")
    }

    @Test func setsVersionsTruncatesDuplicatesAndDeletes() throws {
        let (master, server, link) = try registered()
        defer { server.remove(); master.stop() }
        let port = try #require(link.snapshot { $0.begin?.address.port })
        let id = ChunkID(0x400)
        #expect(create(link, 0x400) == .ok)
        #expect(create(link, 0x400) == .chunkExists)
        let bytes = pattern(100_000, seed: 5)
        #expect(try DataClient(port: port).write(id, version: 1, offset: 0, bytes: bytes).allSatisfy { $0 == .ok })
        #expect(
            link.status(SetChunkVersion(chunkID: id, newVersion: WireVersion(2), oldVersion: WireVersion(1)).encode(), chunk: id) == .ok)
        #expect(
            link.status(SetChunkVersion(chunkID: id, newVersion: WireVersion(3), oldVersion: WireVersion(1)).encode(), chunk: id)
                == .wrongVersion)
        #expect(
            link.status(
                TruncateChunk(chunkID: id, length: 70_000, newVersion: WireVersion(3), oldVersion: WireVersion(2)).encode(), chunk: id)
                == .ok)
        #expect(try DataClient(port: port).read(id, version: 3, offset: 0, size: 70_000).get() == Array(bytes[..<70_000]))
        #expect(try DataClient(port: port).read(id, version: 3, offset: 70_000, size: 100).get() == [UInt8](repeating: 0, count: 100))
        let copy = ChunkID(0x401)
        let duplicate = DuplicateChunk(newChunkID: copy, newVersion: WireVersion(1), sourceChunkID: id, sourceVersion: WireVersion(3))
        #expect(link.status(duplicate.encode(), chunk: copy) == .ok)
        #expect(try DataClient(port: port).read(copy, version: 1, offset: 0, size: 70_000).get() == Array(bytes[..<70_000]))
        #expect(link.status(DeleteChunk(chunkID: id, version: WireVersion(0)).encode(), chunk: id) == .ok)
        #expect(link.status(DeleteChunk(chunkID: id, version: WireVersion(0)).encode(), chunk: id) == .noChunk)
        #expect(try DataClient(port: port).read(id, version: 0, offset: 0, size: 10) == .failure(.init(status: .noChunk)))
    }

    @Test func followsARedirect() throws {
        var options = TestMaster.Options()
        options.redirect = 0x7F00_0001
        let (master, server, _) = try registered(options)
        defer { server.remove(); master.stop() }
        #expect(server.log.contains("redirects to the leader 127.0.0.1"))
        #expect(master.allLinks.count >= 2)
    }

    @Test func refusesAMasterOfAnOlderEpoch() throws {
        var options = TestMaster.Options()
        options.epoch = 5
        let (master, server, link) = try registered(options)
        defer { server.remove(); master.stop() }
        #expect(
            waitFor(5) {
                (try? Data(contentsOf: URL(fileURLWithPath: server.dataPath + "/masterepoch.mfs"))) == Data([0, 0, 0, 0, 0, 0, 0, 5])
            })
        master.options.epoch = 3
        master.dropConnections()
        #expect(waitFor(5) { server.log.contains("stale master: its epoch 3 is below 5") })
        #expect(master.registered(within: 1, where: { $0 !== link }) == nil)
        master.options.epoch = 6
        #expect(master.registered(within: 5, where: { $0 !== link }) != nil, "a newer master is accepted")
    }

    /// A master of a higher epoch gets the chunk list only once that epoch is on disk: while
    /// it cannot be stored (here `masterepoch.mfs.tmp` is a directory), every connection ends
    /// before the registration, the reconnections too (the epoch was seen on the first one
    /// already: before, they listed their chunks without storing it).
    @Test func aMasterWhoseEpochCannotBeStoredGetsNoRegistration() throws {
        var options = TestMaster.Options()
        options.epoch = 5
        let master = try TestMaster(options)
        defer { master.stop() }
        let server = try ChunkserverProcess(masterPort: master.port)
        defer { server.remove() }
        try FileManager.default.createDirectory(atPath: server.dataPath + "/masterepoch.mfs.tmp", withIntermediateDirectories: true)
        try server.start()
        #expect(waitFor(5) { server.log.components(separatedBy: "cannot record master epoch 5").count > 2 }, "\(server.log)")
        #expect(master.registered(within: 1) == nil, "registered with a master whose epoch is not on disk")
        try FileManager.default.removeItem(atPath: server.dataPath + "/masterepoch.mfs.tmp")
        #expect(master.registered(within: 5) != nil)
        #expect((try? Data(contentsOf: URL(fileURLWithPath: server.dataPath + "/masterepoch.mfs"))) == Data([0, 0, 0, 0, 0, 0, 0, 5]))
    }

    @Test func badInputOnTheDataPortClosesThatConnectionOnly() throws {
        let (master, server, link) = try registered()
        defer { server.remove(); master.stop() }
        let port = try #require(link.snapshot { $0.begin?.address.port })
        #expect(create(link, 0x500) == .ok)
        #expect(
            try DataClient(port: port).write(ChunkID(0x500), version: 1, offset: 0, bytes: pattern(70_000, seed: 6)).allSatisfy {
                $0 == .ok
            })
        let before = server.chunkFiles()
        var random = SystemRandomNumberGenerator()
        let attacks: [[UInt8]] = [
            (0..<500).map { _ in UInt8.random(in: 0...255, using: &random) },
            [0, 0, 0, 200, 0, 0, 0, 3, 1, 2, 3],  // READ of 3 bytes
            [0, 0, 0, 212, 0, 0, 0, 30] + [UInt8](repeating: 0, count: 30),  // WRITE_DATA outside a session
            [0, 0, 0, 210, 0xFF, 0xFF, 0xFF, 0xFF],  // 4 GiB frame announced
            [0, 0, 0, 200, 0, 1, 0x86, 0xA1] + [UInt8](repeating: 0, count: 16),  // one byte past the frame limit
            WriteRequest(chunkID: ChunkID(0x500), version: WireVersion(1), chain: []).encode()
                + WriteData(chunkID: ChunkID(0x500), writeID: 1, piece: .init(block: 0, offset: 0, data: [1, 2, 3], crc: 0)).encode(),
            // In a write session, WRITE_DATA whose size (4) disagrees with its length (3 bytes of
            // data), and one announcing a frame past the limit: the in-place decoder passes both
            // to the field-by-field one, whose error closes the connection.
            WriteRequest(chunkID: ChunkID(0x500), version: WireVersion(1), chain: []).encode()
                + [0, 0, 0, 212, 0, 0, 0, 27] + [UInt8](repeating: 0, count: 8) + [
                    0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 1, 2, 3,
                ],
            WriteRequest(chunkID: ChunkID(0x500), version: WireVersion(1), chain: []).encode() + [0, 0, 0, 212, 0, 1, 0x86, 0xA1],
        ]
        for attack in attacks {
            let connection = try DataClient(port: port).connection()
            try connection.send(attack)
            var closed = false
            for _ in 0..<4 {
                do { _ = try connection.receive() } catch {
                    closed = true
                    break
                }
            }
            _ = closed
        }
        #expect(try DataClient(port: port).read(ChunkID(0x999), version: 1, offset: 0, size: 10) == .failure(.init(status: .noChunk)))
        #expect(
            try DataClient(port: port).read(ChunkID(0x500), version: 1, offset: 64 << 20, size: 10) == .failure(.init(status: .wrongOffset))
        )
        #expect(
            try DataClient(port: port).read(ChunkID(0x500), version: 1, offset: 0, size: (64 << 20) + 1)
                == .failure(.init(status: .wrongSize)))
        #expect(server.isRunning)
        #expect(server.chunkFiles() == before, "stored data unchanged")
        #expect(try DataClient(port: port).read(ChunkID(0x500), version: 1, offset: 0, size: 70_000).get() == pattern(70_000, seed: 6))
        #expect(server.log.contains("data connection from 127.0.0.1"))
        #expect(server.log.contains("CLTOCS_WRITE_DATA (212) of 27 bytes"), "the malformed WRITE_DATA is named")
        #expect(server.log.contains("frame of 100001 bytes announced"))
    }

    @Test(.enabled(if: getuid() == 0, "mounts a small tmpfs: root only")) func aFullDataDirectoryRefusesWritesAndStaysUp() throws {
        let mount = NSTemporaryDirectory() + "mfscs-full-\(getpid())"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        #expect(NetnsLab.shell("mount -t tmpfs -o size=512k tmpfs \(mount)").status == 0)
        defer {
            NetnsLab.shell("umount \(mount)")
            try? FileManager.default.removeItem(atPath: mount)
        }
        let master = try TestMaster()
        let server = try ChunkserverProcess(masterPort: master.port, chunkDirectory: mount)
        defer { server.remove(); master.stop() }
        try server.start()
        let link = try #require(master.registered())
        let port = try #require(link.snapshot { $0.begin?.address.port })
        #expect(create(link, 0x600) == .ok)
        let statuses = try DataClient(port: port).write(ChunkID(0x600), version: 1, offset: 0, bytes: pattern(1 << 20, seed: 7))
        #expect(statuses.contains(.noSpace) || statuses.contains(.io), "statuses: \(Set(statuses.map(\.description)))")
        #expect(server.isRunning)
        // The master drops the failed copy; the space is back and a small chunk fits.
        #expect(link.status(DeleteChunk(chunkID: ChunkID(0x600), version: 0).encode(), chunk: ChunkID(0x600)) == .ok)
        // The directory takes new chunks again at the next space refresh (every second).
        #expect(waitFor(5) { create(link, 0x601) == .ok })
        let small = pattern(1_000, seed: 8)
        #expect(try DataClient(port: port).write(ChunkID(0x601), version: 1, offset: 0, bytes: small).allSatisfy { $0 == .ok })
        #expect(try DataClient(port: port).read(ChunkID(0x601), version: 1, offset: 0, size: small.count).get() == small)
    }
}

/// `WRITE_ACK_AFTER_FSYNC`: by default a write's status waits for its fsync; set to 0 (MooseFS's
/// HDD_FSYNC_BEFORE_CLOSE = 1) a write is answered with no fsync, and the chunk is fsynced at
/// its WRITE_FINISH. The chunkserver's fsyncs are logged with their start times by `strace`
/// attached to it, and compared with the time the answer came.
extension ChunkserverProcessTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"), "needs strace (scripts/test.sh installs it)"))
    func writeStatusesWaitForTheFsyncUnlessSetToWaitForTheClose() throws {
        for ackAfterFsync in [true, false] {
            let (master, server, link) = try registered(extra: ackAfterFsync ? [] : ["WRITE_ACK_AFTER_FSYNC = 0"])
            defer { server.remove(); master.stop() }
            if !ackAfterFsync { #expect(server.log.contains("WRITE_ACK_AFTER_FSYNC = 0: writes and new chunks are acknowledged before")) }
            let port = try #require(link.snapshot { $0.begin?.address.port })
            // Chunks to delete while strace attaches (a delete fsyncs its directory in both modes).
            for id in 0x300..<0x320 { #expect(create(link, UInt64(id)) == .ok) }
            let pid = try #require(server.process?.processIdentifier)
            let trace = server.directory + "/fsyncs.strace"
            let strace = Process()
            strace.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
            strace.arguments = ["-f", "-qq", "-ttt", "-e", "trace=fsync,fdatasync", "-o", trace, "-p", "\(pid)"]
            try strace.run()
            defer {
                // SIGKILL: a child of the test runner inherits its blocked signals. The kernel
                // detaches the chunkserver when its tracer dies.
                kill(strace.processIdentifier, SIGKILL)
                strace.waitUntilExit()
            }
            /// The start times of the fsyncs logged so far (`PID SECONDS.MICROS fsync(…`).
            func fsyncs() -> [Double] {
                ((try? String(contentsOfFile: trace, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
                    let fields = line.split(separator: " ", maxSplits: 2)
                    guard fields.count == 3, fields[2].hasPrefix("fsync(") || fields[2].hasPrefix("fdatasync(") else { return nil }
                    return Double(fields[1])
                }
            }
            // strace has attached once a fsync of the chunkserver shows.
            var deleted = 0x31F
            let attached = waitFor(10) {
                guard deleted > 0x301 else { return false }
                let id = ChunkID(UInt64(deleted))
                _ = link.status(DeleteChunk(chunkID: id, version: WireVersion(1)).encode(), chunk: id)
                deleted -= 1
                return !fsyncs().isEmpty
            }
            #expect(attached, "strace did not attach")
            usleep(200_000)
            var before = fsyncs().count
            // A create: fsynced (file and directory) before its answer by default, not at all with 0.
            #expect(create(link, 0x400) == .ok)
            usleep(200_000)
            let created = fsyncs().count - before
            #expect(ackAfterFsync ? created == 2 : created == 0, "\(created) fsyncs for a create")
            before = fsyncs().count
            let asked = Date().timeIntervalSince1970
            let connection = try DataClient(port: port).connection()
            try connection.send(WriteRequest(chunkID: ChunkID(0x300), version: WireVersion(1), chain: []).encode())
            let piece = DataPiece(block: 0, offset: 0, data: pattern(65_536, seed: 3))
            try connection.send(WriteData(chunkID: ChunkID(0x300), writeID: 1, piece: piece).encode())
            var answered: Set<UInt32> = []
            while answered.count < 2 {
                let frame = try connection.receive()
                if frame.type == .nop { continue }
                let status = try WriteStatus.decode(frame)
                #expect(status.status == .ok)
                answered.insert(status.writeID)
            }
            let answer = Date().timeIntervalSince1970
            usleep(300_000)
            let made = fsyncs().dropFirst(before)
            if ackAfterFsync {
                #expect(
                    made.contains { $0 >= asked && $0 <= answer },
                    "no fsync began between the write (\(asked)) and its answer (\(answer)): \(made)")
            } else {
                #expect(made.isEmpty, "\(made.count) fsyncs before the close")
                try connection.send(WriteFinish(chunkID: ChunkID(0x300), version: WireVersion(1)).encode())
                #expect(waitFor(5) { fsyncs().count > before }, "the chunk was not fsynced at its close")
            }
            let read = try DataClient(port: port).read(ChunkID(0x300), version: 1, offset: 0, size: 65_536)
            #expect(try read.get() == piece.data)
        }
    }
}
