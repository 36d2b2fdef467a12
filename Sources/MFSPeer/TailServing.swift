import MFSCore
import MFSStorage
import MFSWire

extension TailRequest {
    /// A granter's answer (DESIGN §7.2): the changes after the candidate's log from the
    /// changelog chain `paths` (oldest first), through what the request asks and this member
    /// holds (`heldVersion` of epoch `heldEpoch`), as `ChangeBatch` frames followed by a
    /// `TailEnd`; or a `TailEnd` saying why not.
    public func answer(paths: [String], heldEpoch: Epoch, heldVersion: MetaVersion) -> [[UInt8]] {
        guard afterEpoch <= heldEpoch else {
            return [
                TailEnd(
                    status: .staleEpoch, last: after,
                    reason: "the candidate's log (epoch \(afterEpoch)) is newer than this member's (epoch \(heldEpoch))"
                ).encode()
            ]
        }
        let last = min(through, heldVersion)
        guard last > after else { return [TailEnd(status: .ok, last: after).encode()] }
        do throws(TailError) {
            let batches = try ChangelogTail.batches(paths, after: after, through: last, maxBytes: WireLimits.maxChangeBatchBytes / 2)
            return batches.map { ChangeBatch(firstVersion: $0.first, count: UInt32($0.count), text: $0.text).encode() }
                + [TailEnd(status: .ok, last: last).encode()]
        } catch {
            return [TailEnd(status: .ioError, last: after, reason: "\(error)").encode()]
        }
    }
}
