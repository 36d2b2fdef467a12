import MFSClient
import MFSCore
import MFSMetadata

#if canImport(Glibc)
    import Glibc
#endif

/// One client of the run: its own connection and session, its top directory, and the
/// directory of `MasterBenchmark.listedFiles` files that the readdir phase lists.
struct Worker: Sendable {
    let index: Int
    let client: MasterClient
    let top: InodeID
    let listed: InodeID
    let topName: EntryName
}

/// The phases, in order, each timed on its own.
struct MasterBenchmark {
    /// Files in each client's readdir directory.
    static let listedFiles = 16

    let settings: BenchmarkSettings

    init(_ settings: BenchmarkSettings) { self.settings = settings }

    func run() async throws(BenchmarkError) -> [PhaseResult] {
        let workers = try await setUp()
        var results: [PhaseResult] = []
        results.append(
            try await phase("mkdir", workers) { (worker: Worker, i: Int) async throws(ClientError) in
                _ = try await worker.client.mkdir(worker.top, entryName("d", i), mode: 0o755)
            }.result)
        let (created, inodes) = try await phase("create", workers) { (worker: Worker, i: Int) async throws(ClientError) in
            try await worker.client.mknod(worker.top, entryName("f", i), type: .file, mode: 0o644).inode
        }
        results.append(created)
        results.append(
            try await phase("stat", workers) { (worker: Worker, i: Int) async throws(ClientError) in
                _ = try await worker.client.getAttributes(inodes[worker.index][i])
            }.result)
        results.append(
            try await phase("readdir", workers) { (worker: Worker, _: Int) async throws(ClientError) in
                let entries = try await worker.client.listAll(worker.listed)
                guard entries.count == Self.listedFiles else {
                    throw .protocolViolation("listed \(entries.count) entries, expected \(Self.listedFiles)")
                }
            }.result)
        results.append(
            try await phase("rename", workers) { (worker: Worker, i: Int) async throws(ClientError) in
                _ = try await worker.client.rename(worker.top, entryName("f", i), to: worker.top, entryName("g", i))
            }.result)
        results.append(
            try await phase("unlink", workers) { (worker: Worker, i: Int) async throws(ClientError) in
                _ = try await worker.client.unlink(worker.top, entryName("g", i))
            }.result)
        try await cleanUp(workers)
        return results
    }

    /// Runs `body` for i in 0..<opsPerClient on every worker at once, each worker one call
    /// at a time; the first failure ends the run.
    private func phase<T: Sendable>(
        _ op: String, _ workers: [Worker], _ body: @escaping @Sendable (Worker, Int) async throws(ClientError) -> T
    ) async throws(BenchmarkError) -> (result: PhaseResult, values: [[T]]) {
        let count = settings.opsPerClient
        let clock = ContinuousClock()
        let start = clock.now
        let outcomes = await withTaskGroup(of: (Int, Result<([Double], [T]), BenchmarkError>).self) { group in
            for worker in workers {
                group.addTask {
                    var latencies: [Double] = []
                    var values: [T] = []
                    latencies.reserveCapacity(count)
                    values.reserveCapacity(count)
                    for i in 0..<count {
                        let before = clock.now
                        do throws(ClientError) {
                            values.append(try await body(worker, i))
                        } catch {
                            return (worker.index, .failure(BenchmarkError("\(op) #\(i) of client \(worker.index) failed: \(error)")))
                        }
                        latencies.append(seconds(clock.now - before))
                    }
                    return (worker.index, .success((latencies, values)))
                }
            }
            var outcomes: [(Int, Result<([Double], [T]), BenchmarkError>)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }
        }
        let elapsed = seconds(clock.now - start)
        var latencies: [Double] = []
        var values: [[T]] = []
        for (_, outcome) in outcomes {
            switch outcome {
            case .failure(let error): throw error
            case .success(let (some, made)):
                latencies += some
                values.append(made)
            }
        }
        let result = PhaseResult(op: op, clients: workers.count, ops: latencies.count, seconds: elapsed, latencies: latencies)
        return (result, values)
    }

    /// Connects every client and makes its directories, untimed.
    private func setUp() async throws(BenchmarkError) -> [Worker] {
        let options = ClientOptions(masters: settings.masters, clientVersion: "swift-mfs MasterBenchmarks")
        let pid = getpid()
        var workers: [Worker] = []
        for k in 0..<settings.clients {
            do throws(ClientError) {
                let client = try await MasterClient.connect(options)
                let topName = try entryName("b\(pid)_\(k)")
                let top = try await client.mkdir(client.grant.root, topName, mode: 0o755).inode
                let listed = try await client.mkdir(top, try entryName("r"), mode: 0o755).inode
                for i in 0..<Self.listedFiles { _ = try await client.mknod(listed, entryName("e", i), mode: 0o644) }
                workers.append(Worker(index: k, client: client, top: top, listed: listed, topName: topName))
            } catch {
                throw BenchmarkError("setting up client \(k): \(error)")
            }
        }
        return workers
    }

    /// Removes what the run made, untimed.
    private func cleanUp(_ workers: [Worker]) async throws(BenchmarkError) {
        let count = settings.opsPerClient
        for worker in workers {
            do throws(ClientError) {
                let client = worker.client
                for i in 0..<count { _ = try await client.rmdir(worker.top, entryName("d", i)) }
                for i in 0..<Self.listedFiles { _ = try await client.unlink(worker.listed, entryName("e", i)) }
                _ = try await client.rmdir(worker.top, try entryName("r"))
                _ = try await client.rmdir(client.grant.root, worker.topName)
                await client.close()
            } catch {
                throw BenchmarkError("cleaning up client \(worker.index): \(error)")
            }
        }
    }
}

private func entryName(_ text: String) throws(ClientError) -> EntryName {
    do throws(FSError) {
        return try EntryName(validating: text)
    } catch {
        throw .fs(error)
    }
}
