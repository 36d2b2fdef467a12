import MFSClient
import MFSConfig
import MFSStorage

#if canImport(Glibc)
    import Glibc
#endif

/// A bad command line, or an operation that failed during the run.
struct BenchmarkError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The command line.
struct BenchmarkSettings {
    static let usage =
        "usage: MasterBenchmarks --master HOST:PORT --clients N --ops-per-phase TOTAL [--driver blocking|library] [--json]\n"
        + "       MasterBenchmarks --master HOST:PORT --dump-latency --status HOST:PORT [--fill FILES] [--clients N] [--json]"

    /// How the clients talk to the master.
    enum Driver: String {
        /// A thread and a blocking socket per client, as the C driver drives libmfsio.
        case blocking
        /// `MFSClient`, one `MasterClient` per client.
        case library
    }

    var masters: [HostPort] = []
    var clients = 1
    /// Operations per phase across all clients; each client does `opsPerClient`.
    var opsPerPhase = 10_000
    var json = false
    var driver = Driver.blocking
    /// `--dump-latency`: latency of requests during a dump instead of the phases.
    var dumpLatency = false
    /// The master's status port (`--status`), for `POST /dump`.
    var statusAddress: String?
    /// Files made before a `--dump-latency` run (`--fill`).
    var fill = 1_000_000

    var opsPerClient: Int { max(1, opsPerPhase / clients) }

    init(_ arguments: [String]) throws(BenchmarkError) {
        var rest = arguments[...]
        var masterText: String?
        while let argument = rest.popFirst() {
            switch argument {
            case "--json":
                json = true
            case "--dump-latency":
                dumpLatency = true
            case "--status":
                guard let value = rest.popFirst() else { throw BenchmarkError("--status needs HOST:PORT") }
                statusAddress = value
            case "--fill":
                guard let value = rest.popFirst(), let number = Int(value), number > 0 else {
                    throw BenchmarkError("--fill needs a positive number of files")
                }
                fill = number
            case "--driver":
                guard let value = rest.popFirst(), let chosen = Driver(rawValue: value) else {
                    throw BenchmarkError("--driver needs blocking or library")
                }
                driver = chosen
            case "--master", "--clients", "--ops-per-phase":
                guard let value = rest.popFirst() else { throw BenchmarkError("\(argument) needs a value") }
                if argument == "--master" {
                    masterText = value
                } else {
                    guard let number = Int(value), number > 0 else {
                        throw BenchmarkError("\(argument): '\(value)' is not a positive number")
                    }
                    if argument == "--clients" { clients = number } else { opsPerPhase = number }
                }
            default:
                throw BenchmarkError("unknown argument '\(argument)'")
            }
        }
        guard let masterText else { throw BenchmarkError("--master is required") }
        do throws(ClientError) {
            masters = try ClientOptions.parseMasters(masterText)
        } catch {
            throw BenchmarkError(error.description)
        }
    }
}

/// Writes `MasterBenchmarks: message` to standard error, unbuffered.
func printError(_ message: String) {
    MFSStorage.printError("MasterBenchmarks: \(message)\n")
}
