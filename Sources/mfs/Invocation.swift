import MFSClient
import MFSConfig

/// The global options and the command's words.
struct Invocation {
    var options: ClientOptions
    var command: String
    var arguments: [String]
    var help = false

    /// The master list when neither `-H` nor `MFS_MASTER` gives one.
    static let defaultMasters = "mfsmaster:9421"

    init(_ arguments: [String], environment masters: String?) throws(UsageError) {
        var rest = arguments[...]
        var masterText = masters.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultMasters
        var password: String?
        var mountPath = "/"
        while let argument = rest.first, argument.hasPrefix("-") {
            rest.removeFirst()
            switch argument {
            case "-h", "--help":
                help = true
            case "-H", "-P", "--mount":
                guard let value = rest.popFirst() else { throw UsageError("option \(argument) needs a value") }
                switch argument {
                case "-H": masterText = value
                case "-P": password = value
                default: mountPath = value
                }
            case "--":
                break
            default:
                throw UsageError("unknown option \(argument)")
            }
            if argument == "--" { break }
        }
        let masterList: [HostPort]
        do throws(ClientError) {
            masterList = try ClientOptions.parseMasters(masterText)
        } catch {
            throw UsageError(Tool.sentence(error))
        }
        options = ClientOptions(masters: masterList, mountPath: mountPath, password: password)
        // A command line tool would rather say the master is gone than wait half a minute.
        options.retryFor = .seconds(10)
        guard let command = rest.popFirst() else {
            if help {
                self.command = ""
                self.arguments = []
                return
            }
            throw UsageError("missing command")
        }
        self.command = command
        self.arguments = Array(rest)
    }
}
