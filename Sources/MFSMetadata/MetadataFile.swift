import MFSCore

/// The metadata file (`metadata.mfs`), DESIGN §4. All integers big-endian.
///
///     header (48 bytes):
///       magic "SMFSMETA" (8) | format version u16 | flags u16 (0) | metaid u64 | version u64 |
///       epoch u64 | epoch start version u64 | CRC32 of the preceding 44 bytes u32
///     sections, each:
///       name (8 bytes, ASCII, NUL padded) | section version u16 | flags u16 | length u64 |
///       CRC32 of the payload u32 | payload
///     end marker: a section named "END" with length 0.
///
/// Section flag bit 0 means "a reader that does not know this section may skip it", so later
/// versions can add sections (xattrs, ACLs) that older readers pass over, while an unknown
/// section without it stops the load. Payloads are laid out in the `encode…` functions below.
/// The encoding is canonical (inodes, entries, chunks and sessions in a fixed order), so two
/// equal namespaces give byte-identical files.
public enum MetadataFile {
    public static let magic: [UInt8] = Array("SMFSMETA".utf8)
    public static let formatVersion: UInt16 = 1
    public static let headerLength = 48
    static let sectionHeaderLength = 24
    static let skippableFlag: UInt16 = 1

    /// The header fields, readable without loading the file.
    public struct Header: Equatable, Sendable {
        public var metaID: MetaID
        public var version: MetaVersion
        public var epoch: Epoch
        public var epochStartVersion: MetaVersion
    }

    /// Encodes `namespace`, handing the bytes to `sink` a section at a time.
    public static func encode(_ namespace: Namespace, to sink: ([UInt8]) throws -> Void) rethrows {
        var header = ByteWriter(reservingCapacity: headerLength)
        header.write(bytes: magic)
        header.write(formatVersion)
        header.write(UInt16(0))
        header.write(namespace.metaID.rawValue)
        header.write(namespace.version.rawValue)
        header.write(namespace.epoch.rawValue)
        header.write(namespace.epochStartVersion.rawValue)
        header.write(CRC32.checksum(header.bytes))
        try sink(header.bytes)
        for section in Section.allCases where section.isWritten(for: namespace) {
            var payload = ByteWriter(reservingCapacity: 1 << 16)
            let version = section.encode(namespace, into: &payload)
            try sink(sectionHeader(section.rawValue, version: version, payload: payload.bytes))
            try sink(payload.bytes)
        }
        try sink(sectionHeader("END", version: 1, payload: []))
    }

    /// The whole file in memory.
    public static func encode(_ namespace: Namespace) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(namespace) { bytes.append(contentsOf: $0) }
        return bytes
    }

    static func sectionHeader(_ name: String, version: UInt16, flags: UInt16 = 0, payload: [UInt8]) -> [UInt8] {
        var w = ByteWriter(reservingCapacity: sectionHeaderLength)
        var nameBytes = Array(name.utf8)
        nameBytes.append(contentsOf: repeatElement(0, count: 8 - nameBytes.count))
        w.write(bytes: nameBytes)
        w.write(version)
        w.write(flags)
        w.write(UInt64(payload.count))
        w.write(CRC32.checksum(payload))
        return w.bytes
    }

    /// Reads and checks the header only.
    public static func header(of bytes: [UInt8]) throws(MetadataFileError) -> Header {
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else { throw .notMetadataFile }
        guard bytes.count >= headerLength else { throw .truncated(section: "header") }
        var r = ByteReader(bytes, offset: magic.count, end: headerLength)
        do {
            let format = try r.readInteger(UInt16.self)
            guard format == formatVersion else { throw MetadataFileError.unsupportedFormatVersion(format) }
            _ = try r.readInteger(UInt16.self)
            let metaID = MetaID(try r.readInteger(UInt64.self))
            let version = MetaVersion(try r.readInteger(UInt64.self))
            let epoch = Epoch(try r.readInteger(UInt64.self))
            let start = MetaVersion(try r.readInteger(UInt64.self))
            let stored = try r.readInteger(UInt32.self)
            guard stored == CRC32.checksum(bytes[0..<(headerLength - 4)]) else { throw MetadataFileError.headerChecksumMismatch }
            guard version <= .maximum, start <= .maximum, epoch <= .maximum else {
                throw MetadataFileError.malformed(
                    section: "header", reason: "version \(version), epoch \(epoch) from version \(start) are out of range")
            }
            // An epoch's first change is its EPOCH line: after epoch 0 it has a version, and the
            // metadata holds it.
            guard epoch == .zero || (start > .zero && start <= version) else {
                throw MetadataFileError.malformed(
                    section: "header", reason: "epoch \(epoch) starts at version \(start), not within 1…\(version)")
            }
            return Header(metaID: metaID, version: version, epoch: epoch, epochStartVersion: start)
        } catch let error as MetadataFileError {
            throw error
        } catch {
            throw .truncated(section: "header")
        }
    }

    /// Loads a namespace, checking every CRC, the structure, and finally the namespace checksum.
    public static func decode(_ bytes: [UInt8]) throws(MetadataFileError) -> Namespace {
        let header = try header(of: bytes)
        var decoder = MetadataDecoder(header: header)
        var offset = headerLength
        var seen: Set<String> = []
        while true {
            guard bytes.count - offset >= sectionHeaderLength else {
                throw offset == bytes.count ? .missingEndMarker : .truncated(section: "section header at byte \(offset)")
            }
            var r = ByteReader(bytes, offset: offset, end: offset + sectionHeaderLength)
            let rawName = try! r.read(count: 8)
            let name = String(decoding: rawName.prefix { $0 != 0 }, as: UTF8.self)
            let version = try! r.readInteger(UInt16.self)
            let flags = try! r.readInteger(UInt16.self)
            let length = try! r.readInteger(UInt64.self)
            let stored = try! r.readInteger(UInt32.self)
            offset += sectionHeaderLength
            guard length <= UInt64(bytes.count - offset) else { throw .truncated(section: name) }
            let end = offset + Int(length)
            if name == "END" {
                guard end == bytes.count else { throw .trailingBytes(bytes.count - end) }
                break
            }
            let computed = CRC32.checksum(bytes[offset..<end])
            guard computed == stored else {
                throw .sectionChecksumMismatch(section: name, stored: stored, computed: computed)
            }
            if let section = Section(rawValue: name) {
                guard version <= section.version else {
                    throw .unsupportedSectionVersion(section: name, version: version, supported: section.version)
                }
                guard seen.insert(name).inserted else { throw .malformed(section: name, reason: "appears twice") }
                var payload = ByteReader(bytes, offset: offset, end: end)
                do {
                    try decoder.decode(section, version: version, &payload)
                    guard payload.isAtEnd else {
                        throw MetadataFileError.malformed(section: name, reason: "\(payload.remaining) unread bytes")
                    }
                } catch let error as MetadataFileError {
                    throw error
                } catch {
                    throw .truncated(section: name)
                }
            } else if flags & skippableFlag == 0 {
                throw .unknownSection(name)
            }
            offset = end
        }
        for section in Section.allCases where section.isRequired && !seen.contains(section.rawValue) {
            throw .missingSection(section.rawValue)
        }
        return try decoder.finish()
    }
}
