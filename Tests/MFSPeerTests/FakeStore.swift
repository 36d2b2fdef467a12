import MFSChangelog
import MFSCore
import MFSPeer
import Synchronization

/// A `PeerStore` that records what the link asked of it. Its position moves as a real store's
/// would (a discard, an install or a store sets the last version), so a reconnect registers
/// what it holds.
final class FakeStore: PeerStore, Sendable {
    enum Call: Equatable, Sendable, CustomStringConvertible {
        case discard(after: UInt64, count: UInt64)
        case install(version: UInt64, bytes: [UInt8])
        /// The versions of the records stored together.
        case store(versions: [UInt64])

        var description: String {
            switch self {
            case .discard(let after, let count): "discard(after: \(after), count: \(count))"
            case .install(let version, let bytes): "install(version: \(version), \(bytes.count) bytes)"
            case .store(let versions): "store(\(versions.first ?? 0)…\(versions.last ?? 0), \(versions.count) records)"
            }
        }
    }

    private struct State {
        var position: PeerPosition
        var calls: [Call] = []
        var followed: [String] = []
        /// What the link handed over that does not hold together (text and records apart).
        var problems: [String] = []
        var failure: String?
    }

    /// The version held before the link started.
    let initialVersion: UInt64
    private let state: Mutex<State>

    init(_ position: PeerPosition = Fixture.position()) {
        initialVersion = position.lastVersion.rawValue
        state = Mutex(State(position: position))
    }

    var position: PeerPosition { state.withLock { $0.position } }
    var calls: [Call] { state.withLock { $0.calls } }
    var followed: [String] { state.withLock { $0.followed } }
    var problems: [String] { state.withLock { $0.problems } }
    var installs: [Call] { calls.filter { if case .install = $0 { true } else { false } } }
    var discards: [Call] { calls.filter { if case .discard = $0 { true } else { false } } }
    /// Every version stored, in order.
    var storedVersions: [UInt64] {
        calls.flatMap { call -> [UInt64] in if case .store(let versions) = call { versions } else { [] } }
    }

    /// From now on `store` throws this.
    func failStores(_ reason: String) { state.withLock { $0.failure = reason } }

    func discard(after version: MetaVersion, count: UInt64) throws(LinkError) {
        state.withLock {
            $0.calls.append(.discard(after: version.rawValue, count: count))
            $0.position.lastVersion = version
        }
    }

    func install(metadata: [UInt8], version: MetaVersion) throws(LinkError) {
        state.withLock {
            $0.calls.append(.install(version: version.rawValue, bytes: metadata))
            $0.position.lastVersion = version
        }
    }

    func store(_ records: [ChangelogRecord], text: [UInt8]) throws(LinkError) {
        if let failure = state.withLock({ $0.failure }) { throw LinkError(failure) }
        var formatted: [UInt8] = []
        for record in records { ChangelogCodec.append(record, to: &formatted) }
        state.withLock {
            if formatted != text { $0.problems.append("the text of \(records.count) records is not the records") }
            $0.calls.append(.store(versions: records.map(\.version.rawValue)))
            if let last = records.last { $0.position.lastVersion = last.version }
        }
    }

    func following(_ master: String) { state.withLock { $0.followed.append(master) } }

    /// Where the calls do not continue what the store held: a discard that does not end at the
    /// last version, a store that does not start right after it. Empty when nothing was spliced.
    var splices: [String] {
        var last = initialVersion
        var found: [String] = []
        for call in calls {
            switch call {
            case .discard(let after, let count):
                if after + count != last { found.append("\(call) while holding up to \(last)") }
                last = after
            case .install(let version, _):
                last = version
            case .store(let versions):
                if versions != Array((last + 1)..<(last + 1 + UInt64(versions.count))) {
                    found.append("\(call) while holding up to \(last)")
                }
                last = versions.last ?? last
            }
        }
        return found + problems
    }
}
