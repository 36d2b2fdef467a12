import MFSCore
import MFSReplication

/// The simulated network: a random delay per message (one sender's messages to one receiver
/// stay in order, as on one TCP connection), loss, and partitions that split the members in
/// two. A message lost or cut by a partition on a follower's link breaks that link, as a reset
/// connection would; the follower registers again at the next heartbeat it hears.
extension RoleSimulation {
    func reachable(_ a: Int, _ b: Int) -> Bool { group[a] == group[b] }

    mutating func send(_ message: Message, from sender: Int, to receiver: Int) {
        let link = Self.link(of: message)
        guard members[receiver].alive, reachable(sender, receiver), Double.random(in: 0..<1, using: &random) >= lossProbability else {
            if let link { breakLink(link, "a message was lost") }
            return
        }
        let delay = Int64.random(in: 1...maxDelay, using: &random)
        let at = max(now + delay, lastDelivery[sender][receiver])
        lastDelivery[sender][receiver] = at
        schedule(.deliver(to: receiver, incarnation: members[receiver].incarnation, from: sender, message), after: at - now)
    }

    static func link(of message: Message) -> Int? {
        switch message {
        case .register(let link, _, _), .stream(let link, _, _), .ack(let link, _): link
        default: nil
        }
    }

    /// Delivers a message that arrived; a partition that began while it was on its way drops it.
    mutating func receive(_ message: Message, at receiver: Int, from sender: Int) {
        guard reachable(sender, receiver) else {
            if let link = Self.link(of: message) { breakLink(link, "partitioned") }
            return
        }
        switch message {
        case .heartbeat(let epoch, _), .notice(let epoch): members[receiver].shown = max(members[receiver].shown, epoch)
        case .voteReply(_, false, let position, _, _, let promise, _):
            members[receiver].shown = max(members[receiver].shown, position.epoch, promise.promised)
        default: break
        }
        switch message {
        case .heartbeat(let epoch, let last): heard(from: sender, epoch: epoch, last: last, at: receiver)
        case .notice(let epoch): learned(epoch, from: sender, at: receiver)
        case .register(let link, let runs, let count): registered(link, runs: runs, count: count, at: receiver)
        case .stream(let link, let fork, let entries): streamed(link, fork: fork, entries: entries, at: receiver)
        case .ack(let link, let version): acked(link, version: version, at: receiver)
        case .voteRequest(let epoch, let candidateLog): asked(by: sender, for: epoch, candidateLog: candidateLog, at: receiver)
        case .voteReply(let epoch, let granted, let position, let leader, let version, let promise, let reason):
            let voters = (leader: leader, version: version)
            answered(
                by: sender, epoch: epoch, granted: granted, position: position, voters: voters, promise: promise, reason: reason,
                at: receiver)
        case .catchUpRequest(let id, let runs, let count, let through):
            catchUpAsked(id: id, runs: runs, count: count, through: through, by: sender, at: receiver)
        case .catchUpReply(let id, let entries): caughtUp(id: id, entries: entries, from: sender, at: receiver)
        }
    }

    mutating func openLink(from follower: Int, to active: Int, epoch: Epoch) -> Int {
        if let old = members[follower].following { breakLink(old, "following \(name(active)) instead") }
        links.append(Link(active: active, follower: follower, epoch: epoch))
        members[follower].following = links.count - 1
        return links.count - 1
    }

    /// Both ends forget the link at once (a reset connection).
    mutating func breakLink(_ id: Int, _ why: String) {
        guard links[id].alive else { return }
        links[id].alive = false
        let link = links[id]
        if members[link.follower].following == id { members[link.follower].following = nil }
        if members[link.active].active?.peers[link.follower] == id {
            members[link.active].active!.peers[link.follower] = nil
            members[link.active].active!.tracker.left(link.follower)
        }
        note("link \(name(link.follower))→\(name(link.active)) broken: \(why)")
    }

    mutating func breakLinks(of member: Int, _ why: String) {
        for id in links.indices where links[id].alive && (links[id].active == member || links[id].follower == member) {
            breakLink(id, why)
        }
    }

    mutating func split() {
        group = members.indices.map { _ in Int.random(in: 0...1, using: &random) }
        stats.partitions += 1
        note("partition: \(members.indices.map { "\(name($0)):\(group[$0])" }.joined(separator: " "))")
        for id in links.indices where links[id].alive && !reachable(links[id].active, links[id].follower) {
            breakLink(id, "partitioned")
        }
    }

    mutating func heal() {
        guard group.contains(where: { $0 != group[0] }) else { return }
        group = Array(repeating: 0, count: members.count)
        note("partition healed")
    }
}
