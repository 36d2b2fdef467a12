import Foundation
import MFSClient
import MFSCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// mfsprobe: a client that creates one file every INTERVAL through the master address(es), for
/// the failover tests and benchmark (not installed). Each create is its own call on one
/// `MasterClient` (pipelined: a create that waits for a failover does not hold the next ones
/// back, so a new request reaches the new master as soon as the address moves), and every
/// answer is one line on stdout, written when it arrives:
///
///     MONOTONIC_NS ok NAME EPOCH        the master acknowledged the create (EPOCH: the newest
///                                       epoch a master showed the client, the acknowledging one's)
///     MONOTONIC_NS failed NAME REASON   the create failed (the client gave up, or the master said no)
///     MONOTONIC_NS connected EPOCH      once, when the first session is open
///
/// MONOTONIC_NS is CLOCK_MONOTONIC, which every network namespace shares, so a test compares it
/// with the moment it killed a host.
///
/// With `--bytes N --keep DIR` each file also gets N random bytes through the data path (the
/// chunkservers), one file after another instead of one every INTERVAL: create, open, write,
/// release, and `ok` only once every replica has the bytes (what `mfs put` promises). The bytes
/// go to DIR/NAME first, for a check that reads the file back.
///
///     mfsprobe -H host[:port][,host...] --prefix P [--interval-ms N] [--count N] [--retry-seconds S] [--bytes N --keep DIR]
let usage =
    "usage: mfsprobe -H host[:port][,host...] --prefix P [--interval-ms N] [--count N] [--retry-seconds S] [--bytes N --keep DIR]"

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("mfsprobe: \(message)\n\(usage)\n".utf8))
    exit(2)
}

func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// One line to stdout per call, whole (concurrent tasks answer).
let output = Mutex(())
func say(_ line: String) {
    output.withLock { _ in
        let text = "\(monotonicNanoseconds()) \(line)\n"
        _ = text.withCString { write(1, $0, strlen($0)) }
    }
}

func positive(_ value: String, _ argument: String) -> Int {
    guard let number = Int(value), number > 0 else { fail("\(argument) needs a positive number") }
    return number
}

var masters: String?
var prefix: String?
var interval = 10
var count = Int.max
var retrySeconds = 60
var bytes: Int?
var keep: String?
var arguments = Array(CommandLine.arguments.dropFirst())
while let argument = arguments.first {
    arguments.removeFirst()
    guard let value = arguments.first else { fail("\(argument) needs a value") }
    arguments.removeFirst()
    switch argument {
    case "-H": masters = value
    case "--prefix": prefix = value
    case "--interval-ms": interval = positive(value, argument)
    case "--count": count = positive(value, argument)
    case "--retry-seconds": retrySeconds = positive(value, argument)
    case "--bytes": bytes = positive(value, argument)
    case "--keep": keep = value
    default: fail("unknown argument \(argument)")
    }
}
guard let masters, let prefix else { fail("-H and --prefix are required") }
guard (bytes == nil) == (keep == nil) else { fail("--bytes and --keep go together") }

let options: ClientOptions
do {
    options = ClientOptions(
        masters: try ClientOptions.parseMasters(masters), connectTimeout: .milliseconds(500), retryFor: .seconds(retrySeconds))
} catch {
    fail("\(error)")
}
// The first session: tried until it opens (the cluster may still be starting).
var opened: MasterClient?
while opened == nil {
    do { opened = try await MasterClient.connect(options) } catch {
        FileHandle.standardError.write(Data("mfsprobe: \(error); trying again\n".utf8))
        try await Task.sleep(for: .milliseconds(100))
    }
}
let client = opened!
say("connected \(client.epoch)")
if let bytes, let keep {
    // Files with data, one after another.
    var random = SystemRandomNumberGenerator()
    for index in 0..<count {
        let name = "\(prefix)\(index)"
        let data = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &random) }
        guard FileManager.default.createFile(atPath: "\(keep)/\(name)", contents: Data(data)) else {
            fail("cannot write \(keep)/\(name)")
        }
        do {
            let file = try await client.mknod(.root, EntryName(validating: name), mode: 0o644)
            _ = try await client.open(file.inode, flags: [.write])
            let source = Mutex<[UInt8]?>(data)
            try await FileTransfer(client: client).write(
                file.inode,
                from: {
                    source.withLock { value in
                        defer { value = nil }; return value
                    }
                })
            try await client.release(file.inode)
            say("ok \(name) \(client.epoch)")
        } catch {
            say("failed \(name) \(error)")
        }
    }
    exit(0)
}
let clock = ContinuousClock()
let start = clock.now
await withDiscardingTaskGroup { group in
    for index in 0..<count {
        try? await clock.sleep(until: start + .milliseconds(interval * index))
        let name = "\(prefix)\(index)"
        group.addTask {
            do {
                _ = try await client.mknod(.root, EntryName(validating: name), mode: 0o644)
                say("ok \(name) \(client.epoch)")
            } catch {
                say("failed \(name) \(error)")
            }
        }
    }
}
