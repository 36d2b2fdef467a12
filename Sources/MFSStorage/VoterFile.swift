import MFSCore

#if canImport(Glibc)
    import Glibc
#endif

/// A voting member's own file (DESIGN §7.2): its member id, made at the first start, and the
/// highest epoch it promised to a candidate. The promise is written atomically and fsynced
/// before the grant is sent, so a member that restarts never grants one epoch twice.
///
/// `voter.mfs` for a master and `voter_ml.mfs` for a metalogger, so both may share a
/// `DATA_PATH`. Text:
/// ```
/// # swift-mfs voter 1
/// member=00000000000000ab
/// promised=4
/// candidate=00000000000000cd
/// ```
public struct VoterFile: Equatable, Sendable {
    public var member: MemberID
    public var promised: Epoch
    public var candidate: MemberID

    public init(member: MemberID, promised: Epoch = .zero, candidate: MemberID = .none) {
        self.member = member
        self.promised = promised
        self.candidate = candidate
    }

    public static let masterName = "voter.mfs"
    public static let metaloggerName = "voter_ml.mfs"
    static let header = "# swift-mfs voter 1"

    /// Reads `path`, or makes a new member id and writes it when there is no file yet.
    public static func loadOrCreate(_ path: String) throws(StorageError) -> VoterFile {
        if let bytes = try FileIO.readIfPresent(path) { return try parse(bytes, path: path) }
        var random = SystemRandomNumberGenerator()
        var id: UInt64 = 0
        while id == 0 { id = random.next() }
        let file = VoterFile(member: MemberID(id))
        try file.save(path)
        return file
    }

    /// Reads `path` under an exclusive lock (`path.lock`, flock), lets `body` change it, and
    /// writes it back (fsynced) when `body` returns true; returns what is on disk afterwards. A
    /// master that is a cold standby votes as the metalogger whose files it started from, with
    /// that metalogger's file: the lock keeps their promises one.
    public static func update<E: Error>(
        _ path: String, _ body: (inout VoterFile) throws(E) -> Bool
    ) throws(VoterFileError<E>) -> VoterFile {
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .storage(StorageError("open", lockPath)) }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw .storage(StorageError("flock", lockPath)) }
        defer { flock(fd, LOCK_UN) }
        var file: VoterFile
        do throws(StorageError) { file = try parse(try FileIO.read(path), path: path) } catch { throw .storage(error) }
        let changed: Bool
        do throws(E) { changed = try body(&file) } catch { throw .refused(error) }
        if changed {
            do throws(StorageError) { try file.save(path) } catch { throw .storage(error) }
        }
        return file
    }

    /// Writes the file atomically and fsyncs it (and its directory).
    public func save(_ path: String) throws(StorageError) {
        let text = "\(Self.header)\nmember=\(member.hex)\npromised=\(promised.rawValue)\ncandidate=\(candidate.hex)\n"
        try FileIO.writeAtomically(path, keepPrevious: 0) { write throws(StorageError) in try write(Array(text.utf8)) }
    }

    static func parse(_ bytes: [UInt8], path: String) throws(StorageError) -> VoterFile {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        func bad(_ why: String) -> StorageError {
            StorageError("parse (\(why); remove the file only if this member never voted)", path, code: EINVAL)
        }
        guard lines.first.map(String.init) == header else { throw bad("no '\(header)' first line") }
        var values: [String: String] = [:]
        for line in lines.dropFirst() where !line.isEmpty {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw bad("line '\(line)' is not key=value") }
            values[String(parts[0])] = String(parts[1])
        }
        guard let member = values["member"].flatMap({ UInt64($0, radix: 16) }), member != 0 else { throw bad("no member id") }
        guard let raw = values["promised"].flatMap({ UInt64($0) }) else { throw bad("no promised epoch") }
        guard let promised = Epoch(checking: raw) else { throw bad("promised epoch \(raw) is above \(Epoch.maximum)") }
        guard let candidate = values["candidate"].flatMap({ UInt64($0, radix: 16) }) else { throw bad("no candidate") }
        return VoterFile(member: MemberID(member), promised: promised, candidate: MemberID(candidate))
    }
}

/// Why `VoterFile.update` did not write: the file could not be read or written, or the change
/// was refused.
public enum VoterFileError<Refusal: Error>: Error, CustomStringConvertible {
    case storage(StorageError)
    case refused(Refusal)

    public var description: String {
        switch self {
        case .storage(let error): "\(error)"
        case .refused(let refusal): "\(refusal)"
        }
    }
}
