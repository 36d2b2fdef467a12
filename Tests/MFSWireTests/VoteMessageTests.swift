import MFSCore
import MFSWire
import Testing

/// The promotion messages on port 9419 (`VoteMessages.swift`, DESIGN §7.2): golden bytes from
/// the layouts in the doc comments, limits at and one past, and each refusal.
@Suite struct VoteMessageTests {
    func check<M: WireMessage>(_ message: M, _ expected: [UInt8]) throws {
        #expect(message.encode() == expected)
        #expect(try M.decode(bytes: expected) == message)
    }

    @Test func messageTypesHaveNames() {
        for (number, name) in [(1026, "voterJoin"), (1027, "voteRequest"), (1028, "voteAnswer"), (1029, "tailRequest"), (1030, "tailEnd")] {
            #expect(MessageType(UInt32(number)).name == "VoteMessages.\(name)")
        }
    }

    @Test func voterJoin() throws {
        try check(VoterJoin(member: MemberID(0xAB)), hex("00000402 00000008", "00000000000000AB"))
        #expect(throws: WireError.self) { try VoterJoin.decode(bytes: hex("00000402 00000008", "0000000000000000")) }
    }

    @Test func voteRequest() throws {
        try check(
            VoteRequest(candidate: MemberID(0xB), epoch: Epoch(4), logEpoch: Epoch(3), logVersion: MetaVersion(250)),
            hex("00000403 00000020", "000000000000000B 0000000000000004 0000000000000003 00000000000000FA"))
    }

    @Test func voteAnswerGranted() throws {
        let voters = VoterSet(syncReplicas: 1, leader: MemberID(0xA), members: [MemberID(0xD): .metalogger, MemberID(0xA): .master])
        try check(
            VoteAnswer(
                voter: MemberID(0xD), epoch: Epoch(4), granted: true, promised: Epoch(4), promisedTo: MemberID(0xB), logEpoch: Epoch(3),
                logVersion: MetaVersion(250),
                votersVersion: MetaVersion(12), voters: voters),
            hex(
                "00000404 00000058",  // VoteMessages.voteAnswer (1028), 88 bytes
                "000000000000000D 0000000000000004 01",  // voter D, epoch 4, granted
                "0000000000000004 000000000000000B",  // promised epoch 4 to B
                "0000000000000003 00000000000000FA",  // log: epoch 3, version 250
                "000000000000000C 01 000000000000000A 0002",  // voters of version 12: K 1, leader A, 2 members
                "000000000000000A 01 000000000000000D 02",  // A master, D metalogger (ascending)
                "0000"))  // no reason
    }

    @Test func voteAnswerRefused() throws {
        let answer = VoteAnswer(
            voter: MemberID(1), epoch: Epoch(2), granted: false, logEpoch: .zero, logVersion: .zero, votersVersion: .zero, voters: .empty,
            reason: "busy")
        #expect(try VoteAnswer.decode(bytes: answer.encode()) == answer)
    }

    /// An epoch past `Epoch.maximum` (a voter promising 2⁶⁴ - 1, which a candidate would add
    /// one to) or a version past `MetaVersion.maximum` is refused, naming the field; the
    /// maxima themselves pass.
    @Test func epochsAndVersionsPastTheMaximumAreRefused() throws {
        func answer(promised: Epoch, logVersion: MetaVersion) -> VoteAnswer {
            VoteAnswer(
                voter: MemberID(1), epoch: Epoch(2), granted: false, promised: promised, promisedTo: MemberID(3), logEpoch: .zero,
                logVersion: logVersion, votersVersion: .zero, voters: .empty, reason: "promised")
        }
        let top = answer(promised: .maximum, logVersion: .maximum)
        #expect(try VoteAnswer.decode(bytes: top.encode()) == top)
        #expect(
            throws: WireError.malformed(
                message: VoteMessages.voteAnswer, field: "promised", reason: "epoch \(UInt64.max) is above \(Epoch.maximum)")
        ) {
            try VoteAnswer.decode(bytes: answer(promised: Epoch(.max), logVersion: .zero).encode())
        }
        let past = MetaVersion.maximum.rawValue + 1
        #expect(
            throws: WireError.malformed(
                message: VoteMessages.voteAnswer, field: "logVersion", reason: "version \(past) is above \(MetaVersion.maximum)")
        ) {
            try VoteAnswer.decode(bytes: answer(promised: .zero, logVersion: MetaVersion(past)).encode())
        }
        let hello = Hello(role: .metalogger, metaID: MetaID(7), epoch: Epoch(Epoch.maximum.rawValue + 1))
        #expect {
            try Hello.decode(bytes: hello.encode())
        } throws: { error in
            guard case .malformed(_, let field, let reason) = error as? WireError else { return false }
            return field == "epoch" && reason == "epoch \(Epoch.maximum.rawValue + 1) is above \(Epoch.maximum)"
        }
    }

    @Test func voteAnswerLimitsAndOrder() throws {
        func answer(members: Int) -> [UInt8] {
            var bytes = hex(
                "0000000000000001 0000000000000002 01 0000000000000000 0000000000000000",
                "0000000000000000 0000000000000000 0000000000000000 01 0000000000000000")
            bytes += [UInt8(members >> 8), UInt8(members & 0xFF)]
            for id in 0..<members { bytes += hex(String(format: "%016llX", UInt64(id + 1))) + [1] }
            bytes += [0, 0]
            return frame(1028, bytes)
        }
        #expect(try VoteAnswer.decode(bytes: answer(members: WireLimits.maxVoters)).voters.members.count == WireLimits.maxVoters)
        #expect(throws: WireError.self) { try VoteAnswer.decode(bytes: answer(members: WireLimits.maxVoters + 1)) }
        // Members out of order, twice, or of an unknown kind.
        var unordered = answer(members: 2)
        unordered.swapAt(8 + 68 + 7, 8 + 68 + 9 + 7)  // the ids' last bytes: 2, 1
        #expect(throws: WireError.self) { try VoteAnswer.decode(bytes: unordered) }
        var badKind = answer(members: 1)
        badKind[8 + 68 + 8] = 9
        #expect(throws: WireError.self) { try VoteAnswer.decode(bytes: badKind) }
    }

    @Test func tailRequestAndEnd() throws {
        try check(
            TailRequest(after: MetaVersion(100), afterEpoch: Epoch(3), through: MetaVersion(250)),
            hex("00000405 00000018", "0000000000000064 0000000000000003 00000000000000FA"))
        #expect(throws: WireError.self) {
            try TailRequest.decode(bytes: hex("00000405 00000018", "00000000000000FA 0000000000000003 0000000000000064"))
        }
        try check(TailEnd(status: .ok, last: MetaVersion(250)), hex("00000406 0000000B", "00 00000000000000FA 0000"))
    }

    @Test func peerRegisterCarriesTheMemberOnlyWhenThereIsOne() throws {
        try check(
            PeerRegister(lastVersion: MetaVersion(1042), tailEpoch: Epoch(3), member: MemberID(0xAB)),
            hex("000003FC 00000018", "0000000000000412 0000000000000003 00000000000000AB"))
        #expect(throws: WireError.self) {
            try PeerRegister.decode(bytes: hex("000003FC 00000018", "0000000000000412 0000000000000003 0000000000000000"))
        }
    }

    func frame(_ type: UInt32, _ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: type >> UInt32(shift))) }
        let length = UInt32(payload.count)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        return bytes + payload
    }
}
