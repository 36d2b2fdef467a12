import MFSChangelog
import MFSConfig
import MFSCore
import MFSMetadata
import MFSWire
import NIOCore

/// Our dialect's handshake on the client port: the hello, the password challenge, the session
/// opened or resumed for an export, refusals, and a probe's answer.
extension ClientConnectionHandler {
    func hello(_ hello: Hello) {
        let namespace = shared.service.namespace
        let state = shared.processor.isActive()
        let me = HelloReply(
            role: state.active ? .active : .follower, metaID: namespace.metaID, epoch: namespace.epoch, metaVersion: namespace.version,
            softwareVersion: shared.softwareVersion)
        if hello.role == .probe { return answerProbe(me) }
        guard hello.role == .client, let client = hello.client else {
            return close("a \(hello.role) said hello on the client port")
        }
        if hello.metaID != .unknown, hello.metaID != namespace.metaID {
            return refuse(.wrongMetaID, hello: me, "the client belongs to cluster \(hello.metaID.hex), this is \(namespace.metaID.hex)")
        }
        if hello.epoch > namespace.epoch {
            return refuse(.staleEpoch, hello: me, "the client has seen epoch \(hello.epoch), this master is at \(namespace.epoch)")
        }
        guard let directory = ExportDirectory(mountPath: client.mountPath) else {
            return refuse(.accessDenied, hello: me, "mount path \(client.mountPath) is not a valid path")
        }
        guard let address else { return refuse(.accessDenied, hello: me, "exports cover IPv4 clients only") }
        let exports = shared.exports
        let covering = exports.covering(address: address, directory: directory)
        guard !covering.isEmpty else {
            return refuse(.accessDenied, hello: me, "\(exports.file) exports \(directory) to no rule covering \(address)")
        }
        // A password line covering the client: challenge it, whatever the other lines say, so a
        // client with the password gets that line's rights (a client without one answers with
        // the empty password and gets the best line that needs none).
        if covering.contains(where: \.requiresPassword) {
            let challenge = ClientServerLimits.newChallenge()
            var challenged = me
            challenged.challenge = challenge
            write(challenged.encode())
            flush()
            phase = .challenged(hello, directory, challenge: challenge)
            return
        }
        guard case .admitted(let rule) = exports.admit(address: address, directory: directory) else {
            return refuse(.accessDenied, hello: me, "\(exports.file) admits \(address) to \(directory) under no rule")
        }
        write(me.encode())
        open(hello, directory, rule)
    }

    func admit(_ hello: Hello, _ directory: ExportDirectory, proof: PasswordProof) {
        guard let address else { return }
        switch shared.exports.admit(address: address, directory: directory, proof: proof) {
        case .admitted(let rule): open(hello, directory, rule)
        case .badPassword, .passwordRequired: refuse(.badPassword, hello: nil, "wrong password for \(directory)")
        case .denied: refuse(.accessDenied, hello: nil, "\(directory) is not exported to \(address)")
        }
    }

    /// Resolves the export's root, then opens (or resumes) the session through the changelog
    /// and answers once that change is stored.
    func open(_ hello: Hello, _ directory: ExportDirectory, _ rule: ExportRule) {
        let resume = hello.client?.resumeSession
        let info = Array(
            "\(peer) \(hello.client?.mountPath ?? "/") \(hello.client?.clientVersion ?? "")".utf8.prefix(
                NamespaceLimits.maxSessionInfoLength))
        let now = ClientServerContext.now()
        let components = hello.client?.mountPath.split(separator: "/").map(String.init) ?? []
        guard shared.processor.isActive().active else { return openReadOnly(components, rule) }
        let opened: (ClientSession, MetaVersion)
        let shared = self.shared
        do throws(MasterError) {
            opened = try shared.service.perform { (namespace: inout Namespace) throws(FSError) -> (ClientSession, ChangelogRecord?) in
                let root = try Self.exportRoot(components, in: namespace)
                if let resume {
                    // Only from the address that opened it: session ids are small numbers.
                    guard let known = namespace.session(resume), Self.sameHost(known.info, peer) else { throw .badSession }
                    let record = known.lostAt == nil ? nil : try namespace.sessionBack(resume, now: now)
                    shared.claim(resume)
                    return (ClientSession(id: resume, rule: rule, root: root), record)
                }
                let (id, record) = try namespace.openSession(info: info, now: now)
                shared.claim(id)
                return (ClientSession(id: id, rule: rule, root: root), record)
            }
        } catch {
            let status: WireStatus =
                switch error {
                case .operation(.badSession): .badSession
                case .operation(let fsError): WireStatus(fsError)
                case .storage, .dump: .ioError
                case .notActive: .notActive
                }
            return refuse(status, hello: nil, "cannot open a session: \(error)")
        }
        phase = .opening
        let (session, version) = opened
        claimed(session.id)  // under the service's lock above
        afterStored(version) { handler, error in
            // Demoted while the session waited: it is not acknowledged either.
            if let error {
                return handler.refuse(error == .notActive ? .notActive : .ioError, hello: nil, "cannot store the session: \(error)")
            }
            guard handler.shared.processor.isActive().active else {
                return handler.refuse(.notActive, hello: nil, "this master was demoted while the session was stored")
            }
            handler.establish(session.id)
            handler.phase = .established(session)
            let grant = SessionGrant(
                session: session.id, readOnly: rule.readOnly, root: session.root, rootUID: rule.rootMapping.uid,
                rootGID: rule.rootMapping.gid)
            handler.write(SessionReply.established(grant).encode())
            handler.flush()
            handler.shared.logger.debug(
                "session \(resume == nil ? "opened" : "resumed")",
                metadata: ["session": "\(session.id)", "client": "\(handler.peer)", "export": "\(directory)"])
            // Frames that came while the session opened: their replies go out now, not at
            // the next read.
            handler.processFrames()
        }
    }

    /// The inode of the exported directory `components` names.
    static func exportRoot(_ components: [String], in namespace: Namespace) throws(FSError) -> InodeID {
        var root = InodeID.root
        for component in components {
            let name = try EntryName(validating: component)
            let found = try namespace.lookup(root, name, as: .root)
            guard found.type == .directory else { throw .notDirectory }
            root = found.inode
        }
        return root
    }

    /// A follower (or fenced master) serves reads only, and may not change its namespace: the
    /// session is this connection's alone, read-only, and not in the metadata. Writes are
    /// answered `notActive` with the active master's address.
    func openReadOnly(_ components: [String], _ rule: ExportRule) {
        let root: InodeID
        do throws(MasterError) {
            root = try shared.service.read { (namespace: Namespace) throws(FSError) -> InodeID in
                try Self.exportRoot(components, in: namespace)
            }
        } catch {
            return refuse(.noEntry, hello: nil, "cannot open a read-only session: \(error)")
        }
        var readOnly = rule
        readOnly.readOnly = true
        let session = ClientSession(id: shared.nextLocalSession(), rule: readOnly, root: root)
        phase = .established(session)
        write(
            SessionReply.established(
                SessionGrant(
                    session: session.id, readOnly: true, root: root, rootUID: rule.rootMapping.uid, rootGID: rule.rootMapping.gid)
            ).encode())
        flush()
        processFrames()
    }

    /// Whether a session's info (`ADDRESS:PORT PATH VERSION`, written when it was opened)
    /// names the same address as `peer` (`ADDRESS:PORT`).
    static func sameHost(_ info: [UInt8], _ peer: String) -> Bool {
        let colon = UInt8(ascii: ":")
        let opened = info.prefix { $0 != colon }
        let now = Array(peer.utf8).prefix { $0 != colon }
        return !opened.isEmpty && opened.elementsEqual(now)
    }

    /// Sends the hello reply (if not sent yet) and a refusal, logs why, and closes.
    func refuse(_ status: WireStatus, hello: HelloReply?, _ reason: String) {
        if let hello { write(hello.encode()) }
        write(SessionReply.refused(status).encode())
        close("session refused (\(status)): \(reason)")
    }

    /// A client's probe (`PeerRole.probe`): who answers here, then the connection ends, quietly.
    func answerProbe(_ me: HelloReply) {
        guard let socket else { return }
        write(me.encode())
        phase = .closed
        socket.close()
    }
}
