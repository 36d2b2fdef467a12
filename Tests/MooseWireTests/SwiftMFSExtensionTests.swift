import MFSCore
import MooseWire
import Testing

@Suite struct SwiftMFSExtensionTests {
    @Test func probeAnsweredByOurMasterConfirms() throws {
        let probe = SwiftMFSExtension.probe(messageID: 77)
        let received = try GetConfig.decode(bytes: probe.encode())
        #expect(SwiftMFSExtension.isProbe(received))
        let answer = SwiftMFSExtension.answer(to: received)
        #expect(SwiftMFSExtension.confirmsSwiftMFS(try ConfigValue.decode(bytes: answer.encode()), probe: probe))
    }

    /// A MooseFS master answers a name it has not set with "" (captured `config-value.hex` shows
    /// the layout): not ours.
    @Test func mooseFSAnswerDoesNotConfirm() {
        let probe = SwiftMFSExtension.probe(messageID: 77)
        #expect(!SwiftMFSExtension.confirmsSwiftMFS(ConfigValue(messageID: 77, value: ""), probe: probe))
        #expect(!SwiftMFSExtension.confirmsSwiftMFS(ConfigValue(messageID: 78, value: SwiftMFSExtension.answerValue), probe: probe))
        #expect(!SwiftMFSExtension.isProbe(GetConfig(messageID: 7, name: "LABELS")))
    }

    @Test func epochMessages() throws {
        let epoch = MasterEpoch(epoch: Epoch(7), metaID: MetaID(0x6b13_76de_bf48_08d2))
        #expect(epoch.encode() == hexBytes("6d66730100000010" + "0000000000000007" + "6b1376debf4808d2"))
        #expect(try MasterToChunkserver.decode(epoch.frame()) == .masterEpoch(epoch))
        let query = EpochQuery(seenEpoch: Epoch(6))
        #expect(try ChunkserverToMaster.decode(query.frame()) == .epochQuery(query))
        #expect(throws: MooseWireError.wrongLength(message: .swiftMasterEpoch, length: 8, expected: "16")) {
            try MasterEpoch.decode(bytes: frameBytes(.swiftMasterEpoch, be(UInt64(7))))
        }
        // An epoch past Epoch.maximum: a chunkserver would refuse every master below it.
        let past = Epoch.maximum.rawValue + 1
        #expect(
            throws: MooseWireError.malformed(message: .swiftMasterEpoch, field: "epoch", reason: "epoch \(past) is above \(Epoch.maximum)")
        ) {
            try MasterEpoch.decode(bytes: MasterEpoch(epoch: Epoch(past), metaID: MetaID(1)).encode())
        }
        #expect(throws: MooseWireError.self) { try EpochQuery.decode(bytes: EpochQuery(seenEpoch: Epoch(.max)).encode()) }
        #expect(try MasterEpoch.decode(bytes: MasterEpoch(epoch: .maximum, metaID: MetaID(1)).encode()).epoch == .maximum)
    }

    /// Our codes sit far from every MooseFS code: 3.0.117's are 0...706, and 65,536 more in
    /// its "light" builds.
    @Test func typeCodesCollideWithNothingOfMooseFS() {
        for type in [MooseMessageType.swiftMasterEpoch, .swiftEpochQuery] {
            #expect(type.rawValue > 65_536 + 1_000)
            #expect(type.rawValue != MooseMessageType.nop.rawValue)
        }
        for type in FuzzTests.knownTypes.map({ MooseMessageType($0) }) where type != .swiftMasterEpoch && type != .swiftEpochQuery {
            #expect(type.rawValue <= 706)
        }
    }
}
