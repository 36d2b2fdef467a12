import MFSChunkStore
import MFSConfig
import MFSStorage
import MooseWire

/// The chunkserver's configuration, read and checked.
public struct ChunkserverSettings: Sendable {
    public var configFile: String?
    public var dataPath: String
    public var hardDriveConfigFile: String
    public var leaveFreeBytes: UInt64
    public var errorToleranceCount: Int
    public var errorTolerancePeriod: Duration
    /// `HDD_TEST_SPEED` in bytes per second per data directory; 0: no background CRC test.
    public var testBytesPerSecond: Double
    public var labels: LabelMask
    /// nil for `*`.
    public var bindHost: String?
    /// The masters in the order they are tried, each with its port.
    public var masters: [HostPort]
    /// `MASTER_TIMEOUT` as sent in BEGIN: 0, or 10...65535.
    public var masterTimeoutSeconds: UInt16
    public var masterSilenceTimeout: Duration
    /// nil when `AUTH_CODE` is empty.
    public var authCode: String?
    public var chunksPerRegisterPacket: Int
    /// nil for `*`.
    public var listenHost: String?
    public var listenPort: Int
    /// `WRITE_ACK_AFTER_FSYNC`: a write's status waits for its fsync (true), or goes up once the
    /// bytes are written and the chunk is fsynced at its close (MooseFS's HDD_FSYNC_BEFORE_CLOSE = 1).
    public var ackAfterFsync: Bool
    /// What to tell the operator at start: ignored MooseFS keys, `HDD_FSYNC_BEFORE_CLOSE = 0`.
    public var notices: [String]

    public init(_ configuration: Configuration, file: String?) throws(ChunkserverStartError) {
        configFile = file
        dataPath = configuration[ChunkserverKeys.dataPath]
        hardDriveConfigFile = configuration[ChunkserverKeys.hddConfFilename]
        leaveFreeBytes = configuration[ChunkserverKeys.hddLeaveSpaceDefault]
        errorToleranceCount = configuration[ChunkserverKeys.hddErrorToleranceCount]
        errorTolerancePeriod = configuration[ChunkserverKeys.hddErrorTolerancePeriod]
        testBytesPerSecond = configuration[ChunkserverKeys.hddTestSpeed] * 1_048_576
        labels = try Self.labels(configuration)
        let bind = configuration[ChunkserverKeys.bindHost]
        bindHost = bind == "*" ? nil : bind
        let port = configuration[ChunkserverKeys.masterPort]
        masters = configuration[ChunkserverKeys.masterHost].map { HostPort(host: $0.host, port: $0.port(or: port)) }
        let timeout = configuration[ChunkserverKeys.masterTimeout]
        masterTimeoutSeconds = UInt16(timeout == 0 ? 0 : max(10, timeout))
        masterSilenceTimeout = configuration[ChunkserverKeys.masterSilenceTimeout]
        let code = configuration[ChunkserverKeys.authCode]
        authCode = code.isEmpty ? nil : code
        chunksPerRegisterPacket = configuration[ChunkserverKeys.chunksPerRegisterPacket]
        let listen = configuration[ChunkserverKeys.csservListenHost]
        listenHost = listen == "*" ? nil : listen
        listenPort = Int(configuration[ChunkserverKeys.csservListenPort])
        ackAfterFsync = configuration[ChunkserverKeys.writeAckAfterFsync]
        notices = Self.notices(configuration)
    }

    public static let defaultConfigPath = "/etc/mfs/mfschunkserver.cfg"

    /// Reads the configuration: `-c FILE` must exist; the default file may be missing (all
    /// defaults then), as with MooseFS.
    public static func load(_ path: String?) throws(ChunkserverStartError) -> ChunkserverSettings {
        let loaded: (configuration: Configuration, file: String?)
        do throws(ConfigLoadError) {
            loaded = try ChunkserverKeys.schema.load(path, defaultPath: defaultConfigPath, read: FileIO.readIfPresent)
        } catch {
            throw ChunkserverStartError(error.description)
        }
        return try ChunkserverSettings(loaded.configuration, file: loaded.file)
    }

    /// The data directories of `HDD_CONF_FILENAME`.
    public func dataDirectories() throws(ChunkserverStartError) -> [DataDirectoryEntry] {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(hardDriveConfigFile) } catch {
            throw ChunkserverStartError("HDD_CONF_FILENAME: \(error)")
        }
        let entries: [DataDirectoryEntry]
        do { entries = try HardDriveConfig.parse(String(decoding: bytes, as: UTF8.self), file: hardDriveConfigFile) } catch {
            throw ChunkserverStartError(error.description)
        }
        guard !entries.isEmpty else { throw ChunkserverStartError("\(hardDriveConfigFile) lists no data directory") }
        return entries
    }

    /// `LABELS`: letters A...Z (either case) separated by `,` or `;`.
    private static func labels(_ configuration: Configuration) throws(ChunkserverStartError) -> LabelMask {
        let text = configuration[ChunkserverKeys.labels]
        var letters = ""
        for item in text.split(whereSeparator: { $0 == "," || $0 == ";" }) {
            let label = item.trimmingBlanks.uppercased()
            guard label.count == 1, let scalar = label.unicodeScalars.first, (65...90).contains(scalar.value) else {
                let place = configuration.location(of: ChunkserverKeys.labels).map { "\($0): " } ?? ""
                throw ChunkserverStartError("\(place)LABELS: '\(item)' is not a label (one letter A...Z)")
            }
            letters += label
        }
        return LabelMask(letters: letters)
    }

    private static func notices(_ configuration: Configuration) -> [String] {
        var notices = ChunkserverKeys.ignoredMooseFSKeys.filter(configuration.isSet).map { key in
            "\(configuration.location(of: key).map { "\($0): " } ?? "")\(key.name) is a MooseFS setting without effect here: ignored"
        }
        if configuration.isSet(ChunkserverKeys.hddFsyncBeforeClose), !configuration[ChunkserverKeys.hddFsyncBeforeClose] {
            let place = configuration.location(of: ChunkserverKeys.hddFsyncBeforeClose).map { "\($0): " } ?? ""
            notices.append("\(place)HDD_FSYNC_BEFORE_CLOSE = 0 ignored: a written chunk is always fsynced at its close")
        }
        if !configuration[ChunkserverKeys.writeAckAfterFsync] {
            let place = configuration.location(of: ChunkserverKeys.writeAckAfterFsync).map { "\($0): " } ?? ""
            notices.append(
                "\(place)WRITE_ACK_AFTER_FSYNC = 0: writes and new chunks are acknowledged before they are fsynced (fsynced at the "
                    + "chunk's close); a host that loses power can lose acknowledged writes")
        }
        return notices
    }
}

/// Why the chunkserver refuses to start.
public struct ChunkserverStartError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Substring {
    var trimmingBlanks: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
