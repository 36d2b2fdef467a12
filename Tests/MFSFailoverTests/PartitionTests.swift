import Foundation
import MFSTestSupport
import Testing

/// A partition (DESIGN §6, §7.6): A's cable is pulled while its processes keep running and a
/// client on A itself keeps writing to A's own address, and C writes through the virtual IP.
/// B takes over. With `SYNC_DEGRADE = 0` A cannot acknowledge anything once cut off (its only
/// peers, B and M, are out of reach, and M promised the new epoch to B); after the heal A must
/// learn of the new epoch, move its superseded tail aside and follow B, while its announcer
/// (`PREEMPT = 0`, its carrier gone longer than Master_Down_Interval) comes back as a backup, so
/// B keeps the address and C's writes go on through the heal.
extension FailoverTests {
    @Test func aCutOffActiveMasterAcknowledgesNothingAndFollowsTheNewOneAfterTheHeal() throws {
        let cluster = try FailoverCluster(FailoverCluster.debugOptions)
        defer { cluster.teardown() }
        do {
            try partition(cluster)
        } catch {
            Issue.record("\(error)")
        }
    }

    private func partition(_ cluster: FailoverCluster) throws {
        try cluster.start()
        let epoch = try #require(cluster.status("A")).epoch
        let viaVIP = try cluster.startProbe(on: "C", target: cluster.virtualAddress, prefix: "c_")
        let ownAddress = "\(cluster.lab.host("A").address):\(FailoverCluster.clientPort)"
        let onA = try cluster.startProbe(on: "A", target: ownAddress, prefix: "a_")
        defer {
            viaVIP.stop()
            onA.stop()
        }
        try #require(
            waitUntil(30) { viaVIP.acknowledged.count >= 20 && onA.acknowledged.count >= 20 },
            "the creates are not acknowledged\n\(cluster.logs())")

        let cut = monotonicNanoseconds()
        cluster.lab.setLink("A", up: false)
        cluster.lab.mark("A's cable pulled")
        let tookOver = waitUntil(30) { viaVIP.acknowledged.contains { $0.time > cut && $0.epoch == epoch + 1 } }
        try #require(tookOver, "B acknowledged nothing through the virtual IP\n\(cluster.logs())")
        print(
            "partition: cut → first create acknowledged by B: \(Int((viaVIP.acknowledged.first { $0.time > cut && $0.epoch == epoch + 1 }!.time - cut) / 1_000_000)) ms"
        )
        // Both sides write on for a second.
        usleep(1_000_000)

        let healed = monotonicNanoseconds()
        cluster.lab.setLink("A", up: true)
        cluster.lab.mark("A's cable back")
        var seen = ""
        let settled = waitUntil(30) {
            let (a, b) = (cluster.status("A"), cluster.status("B"))
            seen =
                "A: \(a?.role ?? "-") epoch \(a?.epoch ?? 0), B: \(b?.role ?? "-") epoch \(b?.epoch ?? 0), "
                + "VIP on A \(cluster.holdsVIP("A")), on B \(cluster.holdsVIP("B"))"
            // A's announcer (PREEMPT = 0) comes back as a backup, its carrier having been gone
            // longer than Master_Down_Interval (VRRPInstance, "Carrier"): B is never demoted.
            return a?.role == "follower" && a?.following?.connected == true && b?.role == "active" && b?.epoch == epoch + 1
                && a?.epoch == b?.epoch && cluster.holdsVIP("B") && !cluster.holdsVIP("A")
        }
        #expect(settled, "after the heal: \(seen)\n\(cluster.logs(lines: 40))")
        print("partition: heal → A follows B and B alone holds the virtual IP: \(Int((monotonicNanoseconds() - healed) / 1_000_000)) ms")
        // B keeps the address and the writes (no flapping back to A), and C, writing through
        // the address, does not notice the heal: the address never moved (it paused for
        // about a second while it went to A and back, before A came back as a backup).
        usleep(1_000_000)
        #expect(cluster.holdsVIP("B") && !cluster.holdsVIP("A") && cluster.status("B")?.role == "active")
        let afterHeal = viaVIP.acknowledged.map(\.time).filter { $0 > healed }
        let gap = zip(afterHeal.dropFirst(), afterHeal).map { $0 - $1 }.max() ?? 0
        print("partition: C's longest pause between acknowledged creates after the heal: \(gap / 1_000_000) ms")
        let tail = ((try? String(contentsOfFile: viaVIP.log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(20)
        #expect(
            afterHeal.last.map { $0 > monotonicNanoseconds() - 500_000_000 } == true && gap < 500_000_000,
            "C's creates paused \(gap / 1_000_000) ms after the heal; its probe's last lines:\n\(tail.joined(separator: "\n"))\n\(cluster.logs(lines: 40))"
        )
        viaVIP.stop()
        onA.stop()

        let acked = viaVIP.acknowledged + onA.acknowledged
        // Every acknowledgement came from epoch n (A) or n + 1 (B). A reply of A may reach its
        // client well after the cut: an acknowledgement a peer sent just before the cut, for a
        // change it had on disk, can arrive only once the cable is back. What A must never
        // acknowledge is a change past B's fork point (checked below).
        let bEpoch = epoch + 1
        #expect(
            acked.allSatisfy { $0.epoch >= epoch && $0.epoch <= bEpoch },
            "\(acked.filter { $0.epoch < epoch || $0.epoch > bEpoch }.prefix(5))")
        let byA = acked.filter { $0.epoch == epoch }
        print(
            "partition: acknowledged \(acked.count) creates, \(byA.count) by A (\(byA.filter { $0.time > cut }.count) of them released "
                + "after the cut), \(onA.acknowledged.filter { $0.epoch > epoch }.count) of A's client by B after the heal")

        // A catches up with B; both hold the same names, and every acknowledged create.
        var versions = ""
        let caughtUp = waitUntil(30) {
            let (a, b) = (cluster.status("A"), cluster.status("B"))
            versions = "A \(a?.version ?? 0), B \(b?.version ?? 0)"
            return a != nil && a?.version == b?.version
        }
        #expect(caughtUp, "A did not catch up with B: \(versions)")
        let onB = try cluster.dumpedNamespace("B").entryNames()
        let lost = Set(acked.map(\.name)).subtracting(onB)
        #expect(lost.isEmpty, "\(lost.count) acknowledged creates missing on B: \(lost.sorted().prefix(5))")
        #expect(try cluster.dumpedNamespace("A").entryNames() == onB, "A follows B with other data")

        // A's superseded tail (what it wrote alone after B's fork point) is moved aside, not
        // lost silently and not applied, and A acknowledged none of it: each create A
        // acknowledged is at a version below B's EPOCH(n + 1). (A create in the tail may still
        // be acknowledged by B: the client sent it again there.)
        let files = cluster.changelogs("A")
        let discarded = files.filter { $0.key.hasPrefix("changelog.discarded.") }
        #expect(discarded.keys.sorted() == ["changelog.discarded.\(epoch).mfs"], "\(files.keys.sorted())")
        let superseded = discarded.values.reduce(into: [String: UInt64]()) { $0.merge(ChangelogText.creates($1)) { $1 } }
        #expect(!superseded.isEmpty, "A wrote nothing alone after the cut?")
        let acknowledgedByAAndDiscarded = Set(superseded.keys).intersection(byA.map(\.name))
        #expect(
            acknowledgedByAAndDiscarded.isEmpty,
            "creates A acknowledged are in its discarded tail: \(acknowledgedByAAndDiscarded.sorted().prefix(5))")
        let fork = cluster.changelogs("B").values.flatMap { ChangelogText.epochs($0) }.first { $0.epoch == epoch + 1 }?.version
        let keptByA = files.filter { !$0.key.hasPrefix("changelog.discarded.") }.values.reduce(into: [String: UInt64]()) {
            $0.merge(ChangelogText.creates($1)) { $1 }
        }
        if let fork {
            let pastFork = byA.filter { (superseded[$0.name] ?? keptByA[$0.name] ?? 0) >= fork }
            #expect(pastFork.isEmpty, "A acknowledged creates at or past B's fork point \(fork): \(pastFork.prefix(5).map(\.name))")
        } else {
            Issue.record("no EPOCH(\(epoch + 1)) in B's changelogs")
        }
        // Epoch n + 1 began on B, and no later one; A, stale, began none.
        let epochsOnB = cluster.changelogs("B").values.flatMap { ChangelogText.epochs($0) }.map(\.epoch)
        #expect(epochsOnB.contains(epoch + 1) && epochsOnB.allSatisfy { $0 <= epoch + 1 }, "\(epochsOnB)")
        #expect(try #require(cluster.status("B")).epoch == epoch + 1)
    }
}
