import MFSCore
import MFSWire
import Testing

@Suite struct WireStatusTests {
    @Test func everyFSErrorHasItsOwnCodeAndComesBack() {
        var seen: Set<WireStatus> = [.ok]
        for error in FSError.allCases {
            let status = WireStatus(error)
            #expect(status.isKnown, "\(error)")
            #expect(status.fsError == error, "\(error)")
            #expect(seen.insert(status).inserted, "\(error) shares \(status.rawValue)")
        }
    }

    @Test func mooseFSNumbersAreKept() {
        #expect(WireStatus.notPermitted.rawValue == 1)
        #expect(WireStatus.notDirectory.rawValue == 2)
        #expect(WireStatus.noEntry.rawValue == 3)
        #expect(WireStatus.accessDenied.rawValue == 4)
        #expect(WireStatus.exists.rawValue == 5)
        #expect(WireStatus.invalidArgument.rawValue == 6)
        #expect(WireStatus.notEmpty.rawValue == 7)
        #expect(WireStatus.noSpace.rawValue == 21)
        #expect(WireStatus.ioError.rawValue == 22)
        #expect(WireStatus.readOnly.rawValue == 33)
        #expect(WireStatus.badSession.rawValue == 35)
        #expect(WireStatus.badPassword.rawValue == 37)
        #expect(WireStatus.noData.rawValue == 38)
    }

    @Test func protocolCodesAreNotFSErrors() {
        for status in [WireStatus.ok, .notActive, .staleEpoch, .wrongMetaID, .badPassword, .unknown] {
            #expect(status.fsError == nil, "\(status)")
            #expect(status.isKnown)
        }
    }

    @Test func everyDefinedCodeIsDistinct() {
        #expect(Set(WireStatus.known.keys).count == WireStatus.known.count)
        #expect(Set(WireStatus.known.values).count == WireStatus.known.count)
    }

    /// A code a newer master sends survives decoding with its number.
    @Test func unknownCodeSurvivesDecoding() throws {
        let bytes = frameBytes(MasterToClient.status, hex("0000000000000009 C8 00"))
        let reply = try MasterReply.decode(bytes: bytes)
        #expect(reply == .status(RequestID(9), WireStatus(rawValue: 200), activeMaster: nil))
        #expect(!WireStatus(rawValue: 200).isKnown)
        #expect(WireStatus(rawValue: 200).fsError == nil)
        #expect(WireStatus(rawValue: 200).description == "status 200")
        #expect(reply.encode() == bytes)
        #expect(try SessionReply.decode(bytes: frameBytes(MasterToClient.session, [200])) == .refused(WireStatus(rawValue: 200)))
    }

    @Test func messageTypeNames() {
        #expect(ClientToMaster.lookup.description == "ClientToMaster.lookup (406)")
        #expect(MasterToClient.status.description == "MasterToClient.status (1005)")
        #expect(AnyToMaster.hello.description == "AnyToMaster.hello (1000)")
        #expect(MessageType(12_345).description == "type 12345")
        let all = ClientToMaster.all.map(\.0) + MasterToClient.all.map(\.0) + [AnyToMaster.hello, MasterToAny.hello]
        #expect(Set(all).count == all.count, "every message type has its own number")
    }
}
