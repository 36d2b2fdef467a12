import MFSConfig
import MFSCore
import MFSWire

/// The client's side of a connection's handshake (see `Hello`): hello, the master's hello
/// reply, an answer to its password challenge when there is one, then the session reply.
///
/// A pure value: the connection sends `helloFrame`, then feeds each frame it receives to
/// `received` and does what the step says.
public struct Handshake: Sendable {
    /// What the connection does after a frame.
    public enum Step: Equatable, Sendable {
        /// Write this frame and wait for the next.
        case send([UInt8])
        /// Wait for the next frame.
        case wait
        /// The session is open: requests may flow.
        case established(SessionGrant)
        /// The handshake failed; close the connection.
        case failed(HandshakeFailure)
    }

    private enum Phase: Sendable {
        case awaitingHello
        case awaitingSession
        case finished
    }

    public let helloFrame: [UInt8]
    /// The cluster pin after the master's hello reply was checked.
    public private(set) var pin: ClusterPin
    /// The master's hello reply, once received.
    public private(set) var masterHello: HelloReply?
    /// The digest of the password given, or of the empty password when none was.
    private let passwordDigest: [UInt8]
    private var phase = Phase.awaitingHello

    /// `password`: the export's, if the user gave one (without one, a challenge is answered
    /// for the empty password). `resume`: the session to resume.
    public init(pin: ClusterPin, clientVersion: String, mountPath: String, resume: SessionID?, password: String?) {
        self.pin = pin
        self.passwordDigest = MFSConfig.passwordDigest(password ?? "")
        let client = ClientHello(
            clientVersion: String(decoding: clientVersion.utf8.prefix(WireLimits.maxVersionStringLength), as: UTF8.self),
            mountPath: mountPath, resumeSession: resume)
        helloFrame = Hello(role: .client, metaID: pin.metaID, epoch: pin.epoch, client: client).encode()
    }

    public mutating func received(_ frame: Frame) -> Step {
        switch phase {
        case .awaitingHello:
            return helloReply(frame)
        case .awaitingSession:
            phase = .finished
            return sessionReply(frame)
        case .finished:
            return .failed(.violation("\(frame.type) after the handshake failed"))
        }
    }

    private mutating func helloReply(_ frame: Frame) -> Step {
        let reply: HelloReply
        do throws(WireError) {
            reply = try HelloReply.decode(frame)
        } catch {
            phase = .finished
            return .failed(.violation(error.description))
        }
        masterHello = reply
        switch pin.check(reply) {
        case .accept: break
        case .wrongCluster:
            phase = .finished
            return .failed(.refused(.wrongMetaID))
        case .stale(let found, let seen):
            phase = .finished
            return .failed(.passOver("stale master (epoch \(found), this client has seen \(seen))"))
        }
        phase = .awaitingSession
        guard !reply.challenge.isEmpty else { return .wait }
        // A client without a password answers for the empty one (which no export line can
        // have): the master then admits it under the best line that needs no password, or
        // refuses it with `badPassword` when every line covering it wants one.
        let response = passwordResponse(secretDigest: passwordDigest, challenge: reply.challenge)
        return .send(AuthResponse(response: response).encode())
    }

    private func sessionReply(_ frame: Frame) -> Step {
        let reply: SessionReply
        do throws(WireError) {
            reply = try SessionReply.decode(frame)
        } catch {
            return .failed(.violation(error.description))
        }
        switch reply {
        case .established(let grant): return .established(grant)
        case .refused(.badSession): return .failed(.sessionGone)
        case .refused(.notActive): return .failed(.passOver("not the active master"))
        case .refused(.staleEpoch): return .failed(.passOver("stale master (an epoch older than this client has seen)"))
        case .refused(let status): return .failed(.refused(status))
        }
    }
}

/// Why a handshake failed, sorted by what the client does next.
public enum HandshakeFailure: Error, Equatable, Sendable {
    /// A refusal that another try will not change (access denied, bad password, another
    /// cluster): give up.
    case refused(WireStatus)
    /// This master cannot serve the client (not active, stale): try the next address.
    case passOver(String)
    /// The session to resume is gone: say hello again without it.
    case sessionGone
    /// The master sent garbage.
    case violation(String)
}
