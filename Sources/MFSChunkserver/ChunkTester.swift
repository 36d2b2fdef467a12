import Logging
import MFSChunkStore
import NIOPosix

/// The background CRC test (`HDD_TEST_SPEED`): re-reads every stored chunk in turn at the test
/// speed per data directory (`ChunkTestSchedule`) on the disk pool and checks each block's CRC.
/// A damaged block makes the store record the chunk as damaged, the event a client's read of it
/// raises; the master link reports it, and the master repairs the chunk from a good copy.
struct ChunkTester {
    let context: ChunkserverContext

    /// Runs until cancelled (the daemon's graceful shutdown). Started only with a speed above 0.
    func run() async {
        var schedule = ChunkTestSchedule(bytesPerSecond: context.settings.testBytesPerSecond)
        let store = context.store
        let pool = context.pool
        while !Task.isCancelled {
            let started = ContinuousClock.now
            if let step = schedule.next(now: started, chunks: { store.chunks }) {
                let outcome: Result<Int, ChunkStoreError>
                do {
                    outcome = try await pool.runIfActive { () -> Result<Int, ChunkStoreError> in
                        do throws(ChunkStoreError) {
                            return .success(try store.test(step.id, version: step.version, blocks: step.blocks))
                        } catch {
                            return .failure(error)
                        }
                    }
                } catch {
                    return  // the pool is shutting down
                }
                var damaged = false
                var blocksRead = step.blocks.count
                switch outcome {
                case .success(let count): blocksRead = count
                case .failure(.damaged(_, _, let reason)):
                    damaged = true
                    context.logger.error("background test: chunk \(chunkName(step.id)) is damaged: \(reason)")
                case .failure(let error):
                    // Gone, a new version, an I/O error (already recorded for its directory):
                    // the next pass tests what is stored then.
                    context.logger.debug("background test of chunk \(chunkName(step.id)) skipped: \(error)")
                }
                schedule.finished(step, blocksRead: blocksRead, damaged: damaged, started: started)
            }
            do { try await Task.sleep(for: schedule.wait(now: ContinuousClock.now)) } catch { return }
        }
    }
}
