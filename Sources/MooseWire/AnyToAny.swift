import MFSCore

/// ANTOAN_NOP (0): the keep-alive, **empty** on 9420 and 9422. Never send one to a chunkserver
/// before answering its register BEGIN: a chunkserver that sees anything before the ACK
/// takes the master for a pre-1.6.28 one and sends its whole chunk list unpaced.
public struct Nop: MooseEmptyMessage {
    public init() {}
    public var messageType: MooseMessageType { .nop }
}

/// ANTOAN_GET_VERSION (10): empty, or `msgid:32` (the data port echoes it in the answer).
/// Answered on 9420 (even before registering) and on an idle 9422 connection with `VersionInfo`.
public struct GetVersion: MooseMessage {
    public var messageID: UInt32?

    public init(messageID: UInt32? = nil) { self.messageID = messageID }

    public static let messageTypes: [MooseMessageType] = [.getVersion]
    public var messageType: MooseMessageType { .getVersion }

    public func encode(into writer: inout MooseWriter) {
        if let messageID { writer.write(messageID) }
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> GetVersion {
        try reader.expectLength(0, 4)
        return GetVersion(messageID: reader.length == 4 ? try reader.uint32("msgid") : nil)
    }
}

/// ANTOAN_VERSION (11): `[msgid:32] version:32 text`, the text being the rest of the payload
/// (no length byte, no NUL), e.g. `000300ea "3.0.117-1"`. The message id is there exactly when
/// the request had one, which the bytes alone cannot tell: decode with
/// `decode(_:withMessageID:)`; the plain `decode` assumes none (what 9420 uses).
public struct VersionInfo: MooseMessage {
    public var messageID: UInt32?
    public var version: MooseVersion
    /// At most `MooseWireLimits.maxVersionTextLength` bytes.
    public var text: [UInt8]

    public init(messageID: UInt32? = nil, version: MooseVersion, text: String) {
        self.init(messageID: messageID, version: version, textBytes: Array(text.utf8))
    }

    public init(messageID: UInt32?, version: MooseVersion, textBytes: [UInt8]) {
        precondition(textBytes.count <= MooseWireLimits.maxVersionTextLength, "version text of \(textBytes.count) bytes")
        self.messageID = messageID
        self.version = version
        self.text = textBytes
    }

    public static let messageTypes: [MooseMessageType] = [.version]
    public var messageType: MooseMessageType { .version }

    public func encode(into writer: inout MooseWriter) {
        if let messageID { writer.write(messageID) }
        writer.write(version.rawValue)
        writer.write(bytes: text)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> VersionInfo {
        try decode(from: &reader, withMessageID: false)
    }

    /// The answer to a `GetVersion` that did (or did not) carry a message id.
    public static func decode(_ frame: MooseFrame, withMessageID: Bool) throws(MooseWireError) -> VersionInfo {
        guard frame.type == .version else { throw .unexpectedType(frame.type, expected: "ANTOAN_VERSION") }
        var reader = MooseReader(frame)
        return try decode(from: &reader, withMessageID: withMessageID)
    }

    static func decode(from reader: inout MooseReader, withMessageID: Bool) throws(MooseWireError) -> VersionInfo {
        let messageID = withMessageID ? try reader.uint32("msgid") : nil
        let version = MooseVersion(rawValue: try reader.uint32("version"))
        guard reader.remaining <= MooseWireLimits.maxVersionTextLength else {
            throw .countOutOfRange(
                message: reader.message, field: "text", count: reader.remaining, limit: MooseWireLimits.maxVersionTextLength)
        }
        return VersionInfo(messageID: messageID, version: version, textBytes: try reader.bytes(reader.remaining, "text"))
    }
}

/// ANTOAN_GET_CONFIG (80): `msgid:32 namelen:8 name`, a question for one configuration value,
/// answered on 9420 (also before registering) and on 9422 with `ConfigValue`. swift-mfs also
/// uses it as the "are you ours?" probe (`SwiftMFSExtension`).
public struct GetConfig: MooseMessage {
    public var messageID: UInt32
    public var name: [UInt8]

    public init(messageID: UInt32, name: String) { self.init(messageID: messageID, name: Array(name.utf8)) }

    public init(messageID: UInt32, name: [UInt8]) {
        precondition(name.count <= MooseWireLimits.maxConfigTextLength, "config name of \(name.count) bytes")
        self.messageID = messageID
        self.name = name
    }

    public static let messageTypes: [MooseMessageType] = [.getConfig]
    public var messageType: MooseMessageType { .getConfig }

    public func encode(into writer: inout MooseWriter) {
        writer.write(messageID)
        writer.write(lastShortBytes: name)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> GetConfig {
        let messageID = try reader.uint32("msgid")
        return GetConfig(messageID: messageID, name: try reader.lastShortBytes("name"))
    }
}

/// ANTOAN_CONFIG_VALUE (81): `msgid:32 len:8 value`; the value is empty when the name is not
/// set, and cut to 255 bytes.
public struct ConfigValue: MooseMessage {
    public var messageID: UInt32
    public var value: [UInt8]

    public init(messageID: UInt32, value: [UInt8]) {
        precondition(value.count <= MooseWireLimits.maxConfigTextLength, "config value of \(value.count) bytes")
        self.messageID = messageID
        self.value = value
    }

    public init(messageID: UInt32, value: String) { self.init(messageID: messageID, value: Array(value.utf8.prefix(255))) }

    public static let messageTypes: [MooseMessageType] = [.configValue]
    public var messageType: MooseMessageType { .configValue }

    public func encode(into writer: inout MooseWriter) {
        writer.write(messageID)
        writer.write(lastShortBytes: value)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ConfigValue {
        let messageID = try reader.uint32("msgid")
        return ConfigValue(messageID: messageID, value: try reader.lastShortBytes("value"))
    }
}

/// CLTOAN_MODULE_INFO (530): empty; "what are you?" on an idle data port connection.
public struct ModuleInfoRequest: MooseEmptyMessage {
    public init() {}
    public var messageType: MooseMessageType { .cltoanModuleInfo }
}

/// ANTOCL_MODULE_INFO (531): `type:8 version:32 csid:16 metaid:64 masterip:32 masterport:16`
/// (21 bytes); type 2 = chunkserver. Captured: `02 000300ea 0001 <metaid> a9fe5d01 24cc`.
public struct ModuleInfo: MooseMessage {
    public var moduleType: UInt8
    public var version: MooseVersion
    public var chunkserverID: ChunkserverID
    public var metaID: MetaID
    /// The master this chunkserver talks to.
    public var master: ChunkserverAddress

    public static let chunkserverModule: UInt8 = 2

    public init(
        moduleType: UInt8 = ModuleInfo.chunkserverModule, version: MooseVersion = .v3_0_117, chunkserverID: ChunkserverID,
        metaID: MetaID, master: ChunkserverAddress
    ) {
        self.moduleType = moduleType
        self.version = version
        self.chunkserverID = chunkserverID
        self.metaID = metaID
        self.master = master
    }

    public static let messageTypes: [MooseMessageType] = [.antoclModuleInfo]
    public var messageType: MooseMessageType { .antoclModuleInfo }

    public func encode(into writer: inout MooseWriter) {
        writer.write(moduleType)
        writer.write(version.rawValue)
        writer.write(chunkserverID.rawValue)
        writer.write(metaID.rawValue)
        writer.write(master)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ModuleInfo {
        try reader.expectLength(21)
        return ModuleInfo(
            moduleType: try reader.uint8("type"), version: MooseVersion(rawValue: try reader.uint32("version")),
            chunkserverID: ChunkserverID(try reader.uint16("csid")), metaID: MetaID(try reader.uint64("metaid")),
            master: try reader.address("master"))
    }
}

/// ANTOAN_UNKNOWN_COMMAND (1) and ANTOAN_BAD_COMMAND_SIZE (2): "I did not understand your
/// message" notices, `cmdno:32 size:32 version:32` by MooseFS's header. No 3.0.117 component
/// sends them, and the master, the chunkserver and the data port all accept and ignore them
/// whatever their payload; so do we (the payload is kept as it came, unread).
public struct IgnoredNotice: MooseMessage {
    public var type: MooseMessageType
    public var payload: [UInt8]

    public init(type: MooseMessageType, payload: [UInt8]) {
        precondition(Self.messageTypes.contains(type), "\(type) is not an ignored notice")
        self.type = type
        self.payload = payload
    }

    public static let messageTypes: [MooseMessageType] = [.unknownCommand, .badCommandSize]
    public var messageType: MooseMessageType { type }

    public func encode(into writer: inout MooseWriter) { writer.write(bytes: payload) }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> IgnoredNotice {
        guard messageTypes.contains(reader.message) else { throw .unexpectedType(reader.message, expected: "an ignored notice") }
        return IgnoredNotice(type: reader.message, payload: try reader.bytes(reader.remaining, "payload"))
    }
}
