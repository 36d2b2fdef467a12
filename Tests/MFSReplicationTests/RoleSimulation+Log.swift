import MFSCore
import MFSReplication

/// One change in a simulated changelog: a client change or `EPOCH(n)` (which names the master
/// that wrote it: the leader of the voter set from then on). `change` is unique in a run, so two
/// entries are the same change exactly when their ids are equal.
struct SimEntry: Equatable {
    var epoch: Epoch
    var version: MetaVersion
    var change: UInt64
    /// The member that wrote `EPOCH(epoch)`; nil for a client change.
    var leader: MemberID?

    var position: LogPosition { LogPosition(epoch: epoch, version: version) }
}

/// Where an epoch begins in a log: the versions from `start` until the next run's start are of
/// `epoch`. What a peer sends when it registers (DESIGN §3: the fork point is found by epoch).
struct EpochRun: Equatable {
    var epoch: Epoch
    var start: Int
}

/// A member's changelog: a durable (fsynced) prefix and a volatile suffix that a crash loses.
/// Versions increase by exactly one, so `entries[v - 1]` is version v. A superseded tail is cut
/// only together with writing its replacement durably (the shell moves the tail aside once the
/// new changes are on disk), so the durable log's epoch never goes down.
struct SimLog {
    private(set) var entries: [SimEntry]
    private(set) var durable: Int
    private(set) var runs: [EpochRun]
    /// Bumped by every cut, so an fsync started before it does not claim the new entries.
    private(set) var generation = 0
    /// Changes moved aside as superseded.
    private(set) var discarded = 0
    /// What went wrong in this log, for the invariants: an entry appended after a higher epoch
    /// (a log's epochs never go down), or a second change for one (epoch, version).
    var disorders: [(epoch: Epoch, twoChanges: Bool, text: String)] = []

    init(first: SimEntry) {
        entries = [first]
        durable = 1
        runs = [EpochRun(epoch: first.epoch, start: 1)]
    }

    var count: Int { entries.count }
    var epoch: Epoch { entries.last?.epoch ?? .zero }
    var durableEpoch: Epoch { durable == 0 ? .zero : entries[durable - 1].epoch }
    var last: LogPosition { entries.last?.position ?? .zero }
    var durablePosition: LogPosition { durable == 0 ? .zero : entries[durable - 1].position }

    /// The epoch of `version` in this log (nil: beyond its end).
    func epoch(at version: Int) -> Epoch? {
        version >= 1 && version <= count ? entries[version - 1].epoch : nil
    }

    func holds(_ position: LogPosition) -> Bool {
        epoch(at: Int(position.version.rawValue)) == position.epoch
    }

    func contains(_ entry: SimEntry) -> Bool {
        let version = entry.version.rawValue.asInt
        return version >= 1 && version <= count && entries[version - 1] == entry
    }

    /// The voter set in force: the leader named by the last `EPOCH` and its version.
    var leader: (id: MemberID, version: MetaVersion) {
        for entry in entries.reversed() {
            if let leader = entry.leader { return (leader, entry.version) }
        }
        return (.none, .zero)
    }

    mutating func append(_ entry: SimEntry) {
        precondition(entry.version.rawValue == UInt64(count + 1), "version \(entry.version) after \(count)")
        if entry.epoch < epoch {
            disorders.append((entry.epoch, false, "version \(entry.version) of epoch \(entry.epoch) after epoch \(epoch)"))
        }
        if entry.epoch != epoch || runs.isEmpty { runs.append(EpochRun(epoch: entry.epoch, start: entry.version.rawValue.asInt)) }
        entries.append(entry)
    }

    /// An fsync that began when the log held `through` entries (of `generation`) completed.
    /// Returns the versions that became durable.
    mutating func synced(through: Int, generation: Int) -> Range<Int> {
        guard generation == self.generation else { return durable..<durable }
        let before = durable
        durable = max(durable, min(through, count))
        return before..<durable
    }

    /// A crash: the volatile suffix is gone.
    mutating func crash() { truncate(to: durable) }

    private mutating func truncate(to length: Int) {
        guard length < count else { return }
        entries.removeSubrange(length...)
        durable = min(durable, length)
        while let run = runs.last, run.start > length { runs.removeLast() }
        generation += 1
    }

    /// How many leading versions this log shares with a log described by `other` and
    /// `otherCount`: the versions before the first one whose epoch differs (DESIGN §3: one epoch
    /// has one writer, so equal epochs at a version mean equal changes up to it).
    func commonPrefix(with other: [EpochRun], count otherCount: Int) -> Int {
        let limit = min(count, otherCount)
        let starts = Set(runs.map(\.start) + other.map(\.start)).filter { $0 <= limit }.sorted()
        for start in starts where epoch(at: start) != Self.epoch(at: start, in: other) { return start - 1 }
        return limit
    }

    static func epoch(at version: Int, in runs: [EpochRun]) -> Epoch? {
        runs.last { $0.start <= version }?.epoch
    }

    /// Takes `incoming` (consecutive versions from another log): versions already held in the
    /// same epoch are kept, a held version of another epoch and everything after it is a
    /// superseded tail, replaced. Returns nil when `incoming` leaves a gap, else whether a tail
    /// was cut (then everything is durable at once) and the versions that became durable.
    mutating func merge(_ incoming: ArraySlice<SimEntry>) -> (cut: Bool, durable: Range<Int>)? {
        guard let first = incoming.first else { return (false, durable..<durable) }
        guard first.version.rawValue.asInt <= count + 1 else { return nil }
        var durableAfterCut: Int?
        for entry in incoming {
            let version = entry.version.rawValue.asInt
            if version <= count {
                if entries[version - 1].epoch == entry.epoch {
                    if entries[version - 1].change != entry.change {
                        disorders.append((entry.epoch, true, "two changes for version \(entry.version) of epoch \(entry.epoch)"))
                    }
                    continue
                }
                discarded += count - version + 1
                truncate(to: version - 1)
                durableAfterCut = durable
            }
            append(entry)
        }
        guard let durableAfterCut else { return (false, durable..<durable) }
        durable = count
        return (true, durableAfterCut..<durable)
    }
}

extension UInt64 {
    var asInt: Int { Int(self) }
}
