import Foundation
import MFSClient
import MFSStatus

#if canImport(Glibc)
    import Glibc
#endif

/// `--dump-latency`: fills the namespace with `--fill` files, keeps every client busy with
/// stats and mkdirs, asks the master for a dump (`POST /dump` on its status port) in the
/// middle, and reports the latency of the requests that started while the dump ran beside
/// those that did not. DESIGN §3: a dump writes a snapshot on another thread; requests must
/// not wait for it (the reach: p99 under 20 ms with ≥ 1 M inodes).
struct DumpLatency {
    let settings: BenchmarkSettings

    struct Report {
        var inodes: Int
        var dumpSeconds: Double
        var during: [Double]
        var outside: [Double]
    }

    func run() throws(BenchmarkError) -> Report {
        guard let status = settings.statusAddress else { throw BenchmarkError("--dump-latency needs --status HOST:PORT") }
        let pid = getpid()
        var connections: [BlockingConnection] = []
        for k in 0..<settings.clients {
            do {
                connections.append(try BlockingConnection(settings.masters[0], top: "dump\(pid)_\(k)", listedFiles: 0))
            } catch {
                throw BenchmarkError("setting up client \(k): \(error)")
            }
        }
        // The fill: every client creates its share of files, all at once.
        let share = max(1, settings.fill / connections.count)
        for case .failure(let error) in onThreads(connections, { $0.run(.create, count: share) })() {
            throw BenchmarkError("fill: \(error)")
        }

        let origin = ContinuousClock.now
        let stop = LockedBox(false)
        let finished = onThreads(connections) { $0.mixedLoad(until: { stop.value }, origin: origin) }
        // A second of load before, the dump, a second after.
        usleep(1_000_000)
        let dumpStart = seconds(ContinuousClock.now - origin)
        let (host, port) = StatusClient.split(status)
        let answer: (Int, [UInt8])
        do {
            answer = try StatusClient.get(host: host, port: port, path: "/dump", timeout: 600, method: "POST")
        } catch {
            stop.value = true
            _ = finished()
            throw BenchmarkError("POST /dump: \(error)")
        }
        let dumpEnd = seconds(ContinuousClock.now - origin)
        usleep(1_000_000)
        stop.value = true
        let results = finished()
        guard answer.0 == 200 else { throw BenchmarkError("POST /dump answered \(answer.0): \(String(decoding: answer.1, as: UTF8.self))") }

        var report = Report(inodes: 0, dumpSeconds: dumpEnd - dumpStart, during: [], outside: [])
        for (k, outcome) in results.enumerated() {
            switch outcome {
            case .success(let samples):
                for sample in samples {
                    // Started during the dump, or waited across its start.
                    if sample.start + sample.latency >= dumpStart && sample.start <= dumpEnd {
                        report.during.append(sample.latency)
                    } else {
                        report.outside.append(sample.latency)
                    }
                }
            case .failure(let error): throw BenchmarkError("client \(k) failed under load: \(error)")
            }
        }
        do {
            report.inodes = try StatusClient.fetch(status).inodes
        } catch {
            throw BenchmarkError("GET /status: \(error)")
        }
        return report
    }
}

extension DumpLatency.Report {
    /// A table (or one JSON line) with p50/p99/max for requests during and outside the dump.
    func render(json: Bool) -> String {
        func quantiles(_ values: [Double]) -> (p50: Double, p99: Double, max: Double) {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return (0, 0, 0) }
            let at = { (q: Double) in sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))] * 1_000 }
            return (at(0.5), at(0.99), sorted[sorted.count - 1] * 1_000)
        }
        let d = quantiles(during)
        let o = quantiles(outside)
        let verdict = d.p99 < 20 ? "ok" : "MISS"
        if json {
            return "{\"inodes\":\(inodes),\"dumpSeconds\":\(fixed(dumpSeconds, 3)),\"duringRequests\":\(during.count),"
                + "\"duringP50ms\":\(fixed(d.p50, 3)),\"duringP99ms\":\(fixed(d.p99, 3)),\"duringMaxMs\":\(fixed(d.max, 3)),"
                + "\"outsideRequests\":\(outside.count),\"outsideP50ms\":\(fixed(o.p50, 3)),\"outsideP99ms\":\(fixed(o.p99, 3)),"
                + "\"target\":\"p99<20ms \(verdict)\"}"
        }
        return """
            inodes \(inodes), dump took \(fixed(dumpSeconds, 3)) s
            requests       count    p50 ms    p99 ms    max ms
            during dump \(pad(during.count, 8)) \(pad(fixed(d.p50, 3), 9)) \(pad(fixed(d.p99, 3), 9)) \(pad(fixed(d.max, 3), 9))
            outside     \(pad(outside.count, 8)) \(pad(fixed(o.p50, 3), 9)) \(pad(fixed(o.p99, 3), 9)) \(pad(fixed(o.max, 3), 9))
            reach: p99 during the dump < 20 ms: \(verdict)
            """
    }

    private func pad(_ value: some CustomStringConvertible, _ width: Int) -> String {
        let text = value.description
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
