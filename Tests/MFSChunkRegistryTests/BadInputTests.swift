import MFSChunkRegistry
import MFSCore
import Testing

@Suite struct BadInputTests {
    @Test func aReportFromAnUnknownServerIsRefused() throws {
        var h = Harness()
        #expect(throws: RegistryError.unknownServer(cs(7))) { try h.handle(.newChunks(cs(7), [held(1)])) }
        #expect(throws: RegistryError.unknownServer(cs(7))) { try h.handle(.disconnected(cs(7))) }
        #expect(throws: RegistryError.unknownServer(cs(7))) { try h.handle(.chunks(cs(7), [])) }
    }

    @Test func aSecondRegistrationOfAConnectedServerIsRefused() throws {
        var h = Harness()
        try h.join(1)
        #expect(throws: RegistryError.alreadyConnected(cs(1))) { try h.handle(.registering(registration(1))) }
        var other = registration(2)
        other.address = address(1)
        #expect(throws: RegistryError.addressInUse(address(1), by: cs(1))) { try h.handle(.registering(other)) }
        // After a disconnect it may come back, with a fresh record.
        try h.handle(.disconnected(cs(1)))
        try h.join(1)
    }

    @Test func registrationInputOutOfRangeIsRefused() throws {
        var h = Harness()
        #expect(throws: RegistryError.invalidServerID) { try h.handle(.registering(registration(0))) }
        var unset = registration(3)
        unset.address = ChunkserverAddress(ip: 0, port: 9422)
        #expect(throws: RegistryError.invalidAddress(unset.address)) { try h.handle(.registering(unset)) }
        unset.address = ChunkserverAddress(169, 254, 0, 3, port: 0)
        #expect(throws: RegistryError.invalidAddress(unset.address)) { try h.handle(.registering(unset)) }
        let space = ServerSpace(usedBytes: 2, totalBytes: 1)
        #expect(throws: RegistryError.spaceOutOfRange(space)) {
            try h.handle(.registering(ServerRegistration(id: cs(4), address: address(4), space: space)))
        }
        try h.join(5)
        #expect(throws: RegistryError.spaceOutOfRange(space)) { try h.handle(.space(cs(5), space)) }
        #expect(throws: RegistryError.notRegistering(cs(5))) { try h.handle(.chunks(cs(5), [held(1)])) }
        #expect(throws: RegistryError.notRegistering(cs(5))) { try h.handle(.registered(cs(5))) }
    }

    /// A server's space is at most `RegistryLimits.maxServerBytes` (normal and marked disks
    /// together): at the limit it counts, past it (or wrapping when added) it is refused; the
    /// sums over `maxServers` servers at the limit stop at `UInt64.max` instead of trapping.
    @Test func spaceAtAndPastTheLimit() throws {
        var h = Harness()
        let limit = RegistryLimits.maxServerBytes
        try h.join(1, free: 0, total: limit)
        #expect(h.registry.space() == (limit, limit))
        let halves = ServerSpace(usedBytes: 0, totalBytes: limit / 2, markedUsedBytes: 0, markedTotalBytes: limit / 2)
        try h.handle(.space(cs(1), halves))
        for past in [
            ServerSpace(usedBytes: 0, totalBytes: limit + 1),
            ServerSpace(usedBytes: 0, totalBytes: 1 << 63, markedUsedBytes: 0, markedTotalBytes: 1 << 63),
            ServerSpace(usedBytes: 0, totalBytes: limit, markedUsedBytes: 0, markedTotalBytes: 1),
            ServerSpace(usedBytes: 0, totalBytes: 1, markedUsedBytes: 0, markedTotalBytes: .max),
        ] {
            #expect(throws: RegistryError.spaceOutOfRange(past)) { try h.handle(.space(cs(1), past)) }
            #expect(throws: RegistryError.spaceOutOfRange(past)) {
                try h.handle(.registering(ServerRegistration(id: cs(2), address: address(2), space: past)))
            }
        }
        #expect(h.registry.space() == (limit, 0), "the refused reports changed nothing")
        for n in 2...UInt16(RegistryLimits.maxServers) { try h.join(n, free: 0, total: limit) }
        #expect(h.registry.space() == (.max, .max))
        // With the registry full, a refused registration does not make room by forgetting a
        // disconnected server first.
        try h.handle(.disconnected(cs(2)))
        let past = ServerSpace(usedBytes: 0, totalBytes: limit + 1)
        #expect(throws: RegistryError.spaceOutOfRange(past)) {
            try h.handle(.registering(ServerRegistration(id: cs(10_001), address: address(10_001), space: past)))
        }
        #expect(h.registry.serverStatuses().contains { $0.id == cs(2) }, "the disconnected server was forgotten")
    }

    @Test func reportsAtAndPastTheLimit() throws {
        var h = Harness()
        try h.join(1)
        let limit = RegistryLimits.maxChunksPerReport
        let ids = (1...UInt64(limit + 1)).map { ChunkID($0) }
        #expect(throws: RegistryError.tooManyChunks(limit + 1)) { try h.handle(.lostChunks(cs(1), ids)) }
        let ignored = try h.handle(.lostChunks(cs(1), Array(ids.prefix(limit))))
        #expect(ignored == [.ignored(.copiesNotHeld(server: cs(1), count: limit, first: ChunkID(1)))])
    }

    @Test func malformedEntriesAreIgnoredWithAReason() throws {
        var h = Harness()
        h.facts.own(chunk(1), goal: 1)
        let d = try h.join(1, [held(0), ReportedChunk(chunk: chunk(1), version: 1 << 31), held(1)])
        #expect(d == [.ignored(.malformedEntries(server: cs(1), count: 2))])
        #expect(h.registry.copies(of: chunk(1), facts: h.facts).map(\.valid) == [true])
    }

    @Test func theWireVersionsFlagBitMeansMarkedForRemoval() {
        #expect(ReportedChunk(chunk: chunk(1), wireVersion: 0x8000_0005) == held(1, version: 5, marked: true))
        #expect(ReportedChunk(chunk: chunk(1), wireVersion: 5) == held(1, version: 5))
    }

    @Test func anAnswerToNoCommandIsIgnored() throws {
        var h = Harness()
        try h.join(1)
        let stray = CommandResult(.replicate, chunk: chunk(1), status: .ok)
        #expect(try h.handle(.commandFinished(cs(1), stray)) == [.ignored(.unexpectedResult(server: cs(1), stray))])
        let delete = CommandResult(.delete, chunk: chunk(1), status: .ok)
        #expect(try h.handle(.commandFinished(cs(1), delete)) == [.ignored(.unexpectedResult(server: cs(1), delete))])
    }

    @Test func damagedAndLostReportsForCopiesNotHeldAreIgnored() throws {
        var h = Harness()
        try h.join(1)
        #expect(try h.handle(.damagedChunks(cs(1), [chunk(3)])) == [.ignored(.copiesNotHeld(server: cs(1), count: 1, first: chunk(3)))])
        #expect(h.registry.serverStatuses().first?.damagedReports == 1)
    }
}

@Suite struct StatusTests {
    @Test func statusCountsServersChunksAndTheMatrix() throws {
        var h = Harness()
        h.facts.own(chunk(1), goal: 2)  // 2 valid: at goal
        h.facts.own(chunk(2), goal: 2)  // 1 valid: under goal
        h.facts.own(chunk(3), goal: 1)  // none: missing
        h.facts.own(chunk(4), goal: 1)  // 2 valid: over goal
        h.facts.nextChunkID = chunk(10)
        try h.join(1, [held(1), held(2), held(4), held(5), held(12, marked: true)])
        try h.join(2, [held(1), held(4)])
        try h.handle(.errorOccurred(cs(2)))
        try h.handle(.registering(registration(3)))
        let summary = h.registry.summary(facts: h.facts)
        #expect(summary.chunks == 4)
        #expect(summary.missing == 1)
        #expect(summary.underGoal == 1)
        #expect(summary.overGoal == 1)
        #expect(summary.orphanCopies == 1)
        #expect(summary.unknownCopies == 1)
        #expect(summary.serversRegistered == 2)
        #expect(summary.serversRegistering == 1)
        #expect(summary.matrix.counts[2][2] == 1)
        #expect(summary.matrix.counts[2][1] == 1)
        #expect(summary.matrix.counts[1][0] == 1)
        #expect(summary.matrix.counts[1][2] == 1)
        let servers = h.registry.serverStatuses()
        #expect(servers.map(\.copies) == [5, 2, 0])
        #expect(servers.map(\.copiesMarkedForRemoval) == [1, 0, 0])
        #expect(servers.map(\.errors) == [0, 1, 0])
        #expect(servers.map(\.phase) == [.registered, .registered, .registering])
    }
}
