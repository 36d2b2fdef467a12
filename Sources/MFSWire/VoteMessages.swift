import MFSCore

/// Messages of a promotion (DESIGN §7.2) on port 9419. Votes need connections that exist
/// before the virtual IP moves:
/// - a metaloggers keeps a **voter connection** to every master in its `MASTER_HOST` (their
///   own addresses): `Hello` (role metalogger), the `AUTH_CODE` proof, then `VoterJoin`; the
///   master may then send it `VoteRequest`s and `TailRequest`s at any time;
/// - a candidate master dials the other masters: `Hello` (role master), the proof, then the
///   same requests on that connection.
///
/// A voter answers a `VoteRequest` with a `VoteAnswer` (after its promise is on disk), and a
/// `TailRequest` with `ChangeBatch`es of its changelog followed by a `TailEnd`.
public enum VoteMessages {
    public static let voterJoin = MessageType(1026)
    public static let voteRequest = MessageType(1027)
    public static let voteAnswer = MessageType(1028)
    public static let tailRequest = MessageType(1029)
    public static let tailEnd = MessageType(1030)

    public static let all: [(MessageType, String)] = [
        (voterJoin, "voterJoin"), (voteRequest, "voteRequest"), (voteAnswer, "voteAnswer"), (tailRequest, "tailRequest"),
        (tailEnd, "tailEnd"),
    ]
}

/// A metalogger's voter connection says who it is (`VoteMessages.voterJoin`).
///
/// ```
/// VoteMessages.voterJoin (1026):
///   member:64
/// ```
public struct VoterJoin: WireMessage {
    public var member: MemberID

    public init(member: MemberID) { self.member = member }

    public func encode() -> [UInt8] {
        var writer = FrameWriter(VoteMessages.voterJoin)
        writer.write(member.rawValue)
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> VoterJoin {
        guard frame.type == VoteMessages.voterJoin else { throw .unexpectedType(frame.type, expected: "a voter join") }
        var reader = PayloadReader(frame)
        let member = MemberID(try reader.uint64())
        try reader.finish()
        guard member != .none else { throw reader.malformed("member", "member 0 is none") }
        return VoterJoin(member: member)
    }
}

/// A candidate asks a voter for a new epoch (`VoteMessages.voteRequest`), saying where its
/// own log ends (two candidates of one epoch settle on the better claim).
///
/// ```
/// VoteMessages.voteRequest (1027):
///   candidate:64 epoch:64 logEpoch:64 logVersion:64
/// ```
public struct VoteRequest: WireMessage {
    public var candidate: MemberID
    public var epoch: Epoch
    public var logEpoch: Epoch
    public var logVersion: MetaVersion

    public init(candidate: MemberID, epoch: Epoch, logEpoch: Epoch, logVersion: MetaVersion) {
        self.candidate = candidate
        self.epoch = epoch
        self.logEpoch = logEpoch
        self.logVersion = logVersion
    }

    public func encode() -> [UInt8] {
        var writer = FrameWriter(VoteMessages.voteRequest)
        writer.write(candidate.rawValue)
        writer.write(epoch.rawValue)
        writer.write(logEpoch.rawValue)
        writer.write(logVersion.rawValue)
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> VoteRequest {
        guard frame.type == VoteMessages.voteRequest else { throw .unexpectedType(frame.type, expected: "a vote request") }
        var reader = PayloadReader(frame)
        let candidate = MemberID(try reader.uint64())
        let epoch = try reader.epoch("epoch")
        let logEpoch = try reader.epoch("logEpoch")
        let logVersion = try reader.metaVersion("logVersion")
        try reader.finish()
        return VoteRequest(candidate: candidate, epoch: epoch, logEpoch: logEpoch, logVersion: logVersion)
    }
}

/// A voter's answer (`VoteMessages.voteAnswer`): granted with where its log ends and the voter
/// set it knows, or refused with the reason.
///
/// ```
/// VoteMessages.voteAnswer (1028):
///   voter:64 epoch:64 granted:8 promised:64 promisedTo:64 logEpoch:64 logVersion:64
///   votersVersion:64 syncReplicas:8 leader:64 count:16 (member:64 kind:8){count, ids ascending}
///   reasonLength:16 reason:UTF-8                 (empty when granted)
/// ```
/// `promised` and `promisedTo` are the voter's promise after answering (a candidate refused
/// for a promise to another one asks again for a higher epoch).
public struct VoteAnswer: WireMessage {
    public var voter: MemberID
    public var epoch: Epoch
    public var granted: Bool
    public var promised: Epoch
    public var promisedTo: MemberID
    public var logEpoch: Epoch
    public var logVersion: MetaVersion
    public var votersVersion: MetaVersion
    public var voters: VoterSet
    public var reason: String

    public init(
        voter: MemberID, epoch: Epoch, granted: Bool, promised: Epoch = .zero, promisedTo: MemberID = .none, logEpoch: Epoch,
        logVersion: MetaVersion, votersVersion: MetaVersion, voters: VoterSet, reason: String = ""
    ) {
        self.voter = voter
        self.epoch = epoch
        self.granted = granted
        self.promised = promised
        self.promisedTo = promisedTo
        self.logEpoch = logEpoch
        self.logVersion = logVersion
        self.votersVersion = votersVersion
        self.voters = voters
        self.reason = reason
    }

    public func encode() -> [UInt8] {
        precondition(voters.members.count <= WireLimits.maxVoters, "\(voters.members.count) voters")
        var writer = FrameWriter(VoteMessages.voteAnswer)
        writer.write(voter.rawValue)
        writer.write(epoch.rawValue)
        writer.write(granted)
        writer.write(promised.rawValue)
        writer.write(promisedTo.rawValue)
        writer.write(logEpoch.rawValue)
        writer.write(logVersion.rawValue)
        writer.write(votersVersion.rawValue)
        writer.write(UInt8(clamping: voters.syncReplicas))
        writer.write(voters.leader.rawValue)
        writer.write(UInt16(voters.members.count))
        for (id, kind) in voters.sortedMembers {
            writer.write(id.rawValue)
            writer.write(kind.rawValue)
        }
        writer.write(longString: PeerStart.cut(reason), limit: WireLimits.maxReasonLength, field: "reason")
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> VoteAnswer {
        guard frame.type == VoteMessages.voteAnswer else { throw .unexpectedType(frame.type, expected: "a vote answer") }
        var reader = PayloadReader(frame)
        let voter = MemberID(try reader.uint64())
        let epoch = try reader.epoch("epoch")
        let granted = try reader.bool("granted")
        let promised = try reader.epoch("promised")
        let promisedTo = MemberID(try reader.uint64())
        let logEpoch = try reader.epoch("logEpoch")
        let logVersion = try reader.metaVersion("logVersion")
        let votersVersion = try reader.metaVersion("votersVersion")
        var voters = VoterSet(syncReplicas: Int(try reader.uint8()), leader: MemberID(try reader.uint64()))
        let count = Int(try reader.uint16())
        guard count <= WireLimits.maxVoters else {
            throw reader.malformed("count", "\(count) voters; the limit is \(WireLimits.maxVoters)")
        }
        var previous = MemberID.none
        for _ in 0..<count {
            let id = MemberID(try reader.uint64())
            let raw = try reader.uint8()
            guard let kind = MemberKind(rawValue: raw) else { throw reader.malformed("kind", "unknown member kind \(raw)") }
            // Ascending ids, one encoding per set (and no member twice).
            guard id > previous else { throw reader.malformed("member", "member \(id) after \(previous): ids must ascend") }
            previous = id
            voters.members[id] = kind
        }
        let reason = try reader.longText("reason", limit: WireLimits.maxReasonLength)
        try reader.finish()
        return VoteAnswer(
            voter: voter, epoch: epoch, granted: granted, promised: promised, promisedTo: promisedTo, logEpoch: logEpoch,
            logVersion: logVersion, votersVersion: votersVersion,
            voters: voters, reason: reason)
    }
}

/// A candidate asks a granter for the changes after its own log (`VoteMessages.tailRequest`).
///
/// ```
/// VoteMessages.tailRequest (1029):
///   after:64 afterEpoch:64 through:64
/// ```
/// `after` is the candidate's last version and `afterEpoch` that change's epoch; the voter
/// sends the changes `after + 1` … `through` as `ChangeBatch`es, then a `TailEnd`.
public struct TailRequest: WireMessage {
    public var after: MetaVersion
    public var afterEpoch: Epoch
    public var through: MetaVersion

    public init(after: MetaVersion, afterEpoch: Epoch, through: MetaVersion) {
        self.after = after
        self.afterEpoch = afterEpoch
        self.through = through
    }

    public func encode() -> [UInt8] {
        var writer = FrameWriter(VoteMessages.tailRequest)
        writer.write(after.rawValue)
        writer.write(afterEpoch.rawValue)
        writer.write(through.rawValue)
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> TailRequest {
        guard frame.type == VoteMessages.tailRequest else { throw .unexpectedType(frame.type, expected: "a tail request") }
        var reader = PayloadReader(frame)
        let after = try reader.metaVersion("after")
        let afterEpoch = try reader.epoch("afterEpoch")
        let through = try reader.metaVersion("through")
        try reader.finish()
        guard through >= after else { throw reader.malformed("through", "\(through) is below after \(after)") }
        return TailRequest(after: after, afterEpoch: afterEpoch, through: through)
    }
}

/// The end of a tail (`VoteMessages.tailEnd`): every change through `last` was sent, or the
/// reason it could not be.
///
/// ```
/// VoteMessages.tailEnd (1030):
///   status:8 last:64 reasonLength:16 reason:UTF-8
/// ```
public struct TailEnd: WireMessage {
    public var status: WireStatus
    public var last: MetaVersion
    public var reason: String

    public init(status: WireStatus, last: MetaVersion, reason: String = "") {
        self.status = status
        self.last = last
        self.reason = reason
    }

    public func encode() -> [UInt8] {
        var writer = FrameWriter(VoteMessages.tailEnd)
        writer.write(status.rawValue)
        writer.write(last.rawValue)
        writer.write(longString: PeerStart.cut(reason), limit: WireLimits.maxReasonLength, field: "reason")
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> TailEnd {
        guard frame.type == VoteMessages.tailEnd else { throw .unexpectedType(frame.type, expected: "a tail end") }
        var reader = PayloadReader(frame)
        let status = WireStatus(rawValue: try reader.uint8())
        let last = try reader.metaVersion("last")
        let reason = try reader.longText("reason", limit: WireLimits.maxReasonLength)
        try reader.finish()
        return TailEnd(status: status, last: last, reason: reason)
    }
}
