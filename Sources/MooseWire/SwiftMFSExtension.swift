import MFSCore

/// swift-mfs's addition to 9420 (DESIGN §8): the master's epoch, which MooseFS has no field for.
/// A MooseFS component must never see these messages: a 3.0.117 chunkserver or master closes the
/// connection on any type it does not know (notes §1.2). So they are sent only once the peer
/// has shown it is ours, and the showing itself uses a message both MooseFS sides handle
/// harmlessly (docs/research/moosefs-3.0-chunkserver-protocol.md §10):
///
/// 1. Our chunkserver, after its register BEGIN was accepted, asks the master
///    `GetConfig(name: "SWIFTMFS_PEER_PROTOCOL")` (`probe`). A 3.0.117 master answers any
///    ANTOAN_GET_CONFIG on 9420 (even before registration) with the configured value, "" when
///    not set; a MooseFS chunkserver never sends this name.
/// 2. Our master answers `ConfigValue("swift-mfs/1")` (`answer`) and from then on counts the
///    link as ours. Our chunkserver that reads that value counts the master as ours; any other
///    value (a MooseFS master's "") means: never send it `EpochQuery`.
/// 3. Our master may then send `MasterEpoch` at any time (after the registration, and whenever
///    its epoch changes); our chunkserver may send `EpochQuery` with the highest epoch it has
///    seen and gets a `MasterEpoch` back. A chunkserver that sees a master with an epoch below
///    one it saw knows that master is stale (and a master that hears of a higher epoch fences).
///
/// Type codes `0x6D66_7301` and `0x6D66_7302` (ASCII "mfs" + n): MooseFS 3.0.117's codes are
/// 0...706 (and 65,536 + those in light builds), ours on 9419/9421 start at 1000.
public enum SwiftMFSExtension {
    /// The config name of the probe.
    public static let probeName = "SWIFTMFS_PEER_PROTOCOL"
    /// Our master's answer: the extension's version.
    public static let answerValue = "swift-mfs/1"

    /// The chunkserver's question.
    public static func probe(messageID: UInt32) -> GetConfig { GetConfig(messageID: messageID, name: probeName) }

    /// Whether a `GetConfig` is our chunkserver's probe (so the link is ours).
    public static func isProbe(_ request: GetConfig) -> Bool { request.name == Array(probeName.utf8) }

    /// Our master's answer to `probe`.
    public static func answer(to probe: GetConfig) -> ConfigValue { ConfigValue(messageID: probe.messageID, value: answerValue) }

    /// Whether the master's answer to `probe` says it is ours.
    public static func confirmsSwiftMFS(_ value: ConfigValue, probe: GetConfig) -> Bool {
        value.messageID == probe.messageID && value.value == Array(answerValue.utf8)
    }
}

/// SWIFTMFS_MASTER_EPOCH (0x6D66_7301), our master → our chunkserver only:
/// `epoch:64 metaid:64`, the sender's master epoch and cluster (DESIGN §7).
public struct MasterEpoch: MooseMessage {
    public var epoch: Epoch
    public var metaID: MetaID

    public init(epoch: Epoch, metaID: MetaID) {
        self.epoch = epoch
        self.metaID = metaID
    }

    public static let messageTypes: [MooseMessageType] = [.swiftMasterEpoch]
    public var messageType: MooseMessageType { .swiftMasterEpoch }

    public func encode(into writer: inout MooseWriter) {
        writer.write(epoch.rawValue)
        writer.write(metaID.rawValue)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> MasterEpoch {
        try reader.expectLength(16)
        return MasterEpoch(epoch: try reader.epoch("epoch"), metaID: MetaID(try reader.uint64("metaid")))
    }
}

/// SWIFTMFS_EPOCH_QUERY (0x6D66_7302), our chunkserver → our master only: `seenEpoch:64`, the
/// highest master epoch the chunkserver has seen (0: none). The master answers `MasterEpoch`.
public struct EpochQuery: MooseMessage {
    public var seenEpoch: Epoch

    public init(seenEpoch: Epoch) { self.seenEpoch = seenEpoch }

    public static let messageTypes: [MooseMessageType] = [.swiftEpochQuery]
    public var messageType: MooseMessageType { .swiftEpochQuery }

    public func encode(into writer: inout MooseWriter) { writer.write(seenEpoch.rawValue) }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> EpochQuery {
        try reader.expectLength(8)
        return EpochQuery(seenEpoch: try reader.epoch("seenEpoch"))
    }
}

extension MooseReader {
    /// An epoch, at most `Epoch.maximum` (a chunkserver keeps the highest it saw and refuses
    /// masters below it: one impossible epoch would refuse every master for good).
    mutating func epoch(_ field: String) throws(MooseWireError) -> Epoch {
        let value = try uint64(field)
        guard let epoch = Epoch(checking: value) else { throw malformed(field, "epoch \(value) is above \(Epoch.maximum)") }
        return epoch
    }
}
