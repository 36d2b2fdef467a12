import Foundation
import MFSTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// DESIGN §10's failover figures, run by scripts/bench-failover.sh: for each standby kind and
/// advertisement interval, `--runs` fresh clusters in network namespaces (`FailoverCluster`:
/// A active master + announcer, B hot or cold standby + announcer, M metalogger, C a client
/// creating a file every 10 ms through the virtual IP), A's host killed silently at a random
/// moment; per run, kill → first create acknowledged by the new active master, and the
/// acknowledged creates missing on it.
///
///     FailoverBenchmarks --bin DIR --scripts DIR [--runs N] [--intervals MS,MS] [--standby hot,cold] [--preload DIR] [--json]
struct Row: Codable {
    var standby: String
    var advertIntervalMilliseconds: Int
    var masterDownIntervalMilliseconds: Double
    var runs: Int
    var failoverMilliseconds: [Double]
    var masterDownMilliseconds: [Double]
    var hookMilliseconds: [Double]
    var acknowledged: [Int]
    var lost: [Int]
    var failedRuns: [String]
    var medianMilliseconds: Double?
    var maxMilliseconds: Double?
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("FailoverBenchmarks: \(message)\n".utf8))
    exit(2)
}

func list(_ text: String) -> [String] { text.split(separator: ",").map(String.init) }

func positive(_ text: String, _ what: String) -> Int {
    guard let value = Int(text), value > 0 else { fail("\(what): \(text) is not a positive number") }
    return value
}

func standby(_ text: String) -> FailoverCluster.Standby {
    guard let value = FailoverCluster.Standby(rawValue: text) else { fail("--standby: hot or cold, not \(text)") }
    return value
}

var bin: String?
var scripts: String?
var runs = 10
var intervals = [1_000, 100]
var standbys: [FailoverCluster.Standby] = [.hot, .cold]
var json = false
var preload: String?
var arguments = Array(CommandLine.arguments.dropFirst())
while let argument = arguments.first {
    arguments.removeFirst()
    if argument == "--json" {
        json = true
        continue
    }
    guard let value = arguments.first else { fail("\(argument) needs a value") }
    arguments.removeFirst()
    switch argument {
    case "--bin": bin = value
    case "--scripts": scripts = value
    case "--runs": runs = positive(value, argument)
    case "--intervals": intervals = list(value).map { positive($0, argument) }
    case "--standby": standbys = list(value).map(standby)
    case "--preload": preload = value
    default: fail("unknown argument \(argument)")
    }
}
guard let bin, let scripts else { fail("--bin and --scripts are required") }
guard NetnsLab.available else { fail("needs root and `ip netns`") }

func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func say(_ text: String) { FileHandle.standardError.write(Data("bench-failover: \(text)\n".utf8)) }

var rows: [Row] = []
for kind in standbys {
    for interval in intervals {
        // B's Master_Down_Interval at priority 100: 3 intervals and a skew of 156/256 of one.
        let mdi = Double(interval) * (3 + 156.0 / 256)
        var row = Row(
            standby: kind.rawValue, advertIntervalMilliseconds: interval, masterDownIntervalMilliseconds: mdi, runs: runs,
            failoverMilliseconds: [], masterDownMilliseconds: [], hookMilliseconds: [], acknowledged: [], lost: [], failedRuns: [])
        for run in 0..<runs {
            do {
                var options = FailoverCluster.Options(
                    advertisementIntervalMilliseconds: interval, standby: kind, binDirectory: bin, scriptsDirectory: scripts)
                options.preloadDirectory = preload
                let cluster = try FailoverCluster(options)
                defer { cluster.teardown() }
                try cluster.start()
                let result = try cluster.killActiveHost(run: run)
                row.acknowledged.append(result.acknowledged)
                row.lost.append(result.lost.count)
                guard let failover = result.failoverMilliseconds else {
                    row.failedRuns.append("run \(run): no create acknowledged by B within 30 s")
                    say("\(kind) \(interval) ms run \(run): no create acknowledged by B within 30 s\n\(cluster.logs())")
                    continue
                }
                row.failoverMilliseconds.append(failover)
                if let value = result.masterDownMilliseconds { row.masterDownMilliseconds.append(value) }
                if let value = result.hookMilliseconds { row.hookMilliseconds.append(value) }
                if !result.failed.isEmpty || result.activeMasters != ["B"] || result.epochAfter != result.epochBefore + 1 {
                    row.failedRuns.append(
                        "run \(run): failed creates \(result.failed.count), active \(result.activeMasters), epoch \(result.epochBefore) → \(result.epochAfter.map(String.init) ?? "?")"
                    )
                }
                say(
                    "\(kind) \(interval) ms run \(run): killed \(result.killedAfterMilliseconds) ms into the writes; kill → first acknowledged create "
                        + "\(Int(failover)) ms (announcer master after \(result.masterDownMilliseconds.map { "\(Int($0))" } ?? "?") ms, hook "
                        + "\(result.hookMilliseconds.map { "\(Int($0))" } ?? "?") ms); \(result.acknowledged) acknowledged, \(result.lost.count) lost"
                )
            } catch {
                row.failedRuns.append("run \(run): \(error)")
                say("\(kind) \(interval) ms run \(run): \(error)")
            }
        }
        row.medianMilliseconds = median(row.failoverMilliseconds)
        row.maxMilliseconds = row.failoverMilliseconds.max()
        rows.append(row)
    }
}

if json {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(rows), as: UTF8.self))
} else {
    func ms(_ value: Double?) -> String { value.map { String(format: "%.0f", $0) } ?? "-" }
    print(
        "standby  advert    MDI(B) ms  runs  failover median ms  max ms  announcer master median ms  hook median ms  acknowledged  lost")
    for row in rows {
        print(
            String(row.standby.padding(toLength: 9, withPad: " ", startingAt: 0))
                + String("\(row.advertIntervalMilliseconds) ms".padding(toLength: 10, withPad: " ", startingAt: 0))
                + String(ms(row.masterDownIntervalMilliseconds).padding(toLength: 11, withPad: " ", startingAt: 0))
                + String("\(row.failoverMilliseconds.count)/\(row.runs)".padding(toLength: 6, withPad: " ", startingAt: 0))
                + String(ms(row.medianMilliseconds).padding(toLength: 20, withPad: " ", startingAt: 0))
                + String(ms(row.maxMilliseconds).padding(toLength: 8, withPad: " ", startingAt: 0))
                + String(ms(median(row.masterDownMilliseconds)).padding(toLength: 28, withPad: " ", startingAt: 0))
                + String(ms(median(row.hookMilliseconds)).padding(toLength: 16, withPad: " ", startingAt: 0))
                + String("\(row.acknowledged.reduce(0, +))".padding(toLength: 14, withPad: " ", startingAt: 0))
                + "\(row.lost.reduce(0, +))")
        for failure in row.failedRuns { print("  \(row.standby) \(row.advertIntervalMilliseconds) ms: \(failure)") }
    }
    let lost = rows.flatMap(\.lost).reduce(0, +)
    print("acknowledged creates lost over all runs: \(lost) (must be 0)")
}
let lost = rows.flatMap(\.lost).reduce(0, +)
exit(lost == 0 && rows.allSatisfy { $0.failedRuns.isEmpty } ? 0 : 1)
