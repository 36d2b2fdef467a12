import Logging
import MFSConfig
import MFSStorage

#if canImport(Glibc)
    import Glibc
#endif

/// The `mfsmaster` command line.
///
/// ```
/// mfsmaster [-c FILE] [-a] [-d]     run in the foreground (systemd Type=exec)
/// mfsmaster [-c FILE] -t            check the configuration and the exports file, and exit
/// mfsmaster --sample                print config/mfsmaster.cfg.sample
/// ```
/// `-a` first replays changelogs newer than `metadata.mfs` (the same restore as
/// `mfsmetarestore -a`); without it the master refuses to start over them. A trailing `start`
/// is accepted for MooseFS habits. Exit status: 0 after a clean stop; 1 bad configuration or a
/// failure to start; 2 usage.
public enum MasterCommand {
    public static let defaultConfigPath = "/etc/mfs/mfsmaster.cfg"

    struct Options {
        var configPath: String?
        var autoRestore = false
        var check = false
        var debug = false
        var sample = false
    }

    public static func main(_ arguments: [String]) async -> Int32 {
        let options: Options
        switch parse(arguments) {
        case .success(let parsed): options = parsed
        case .failure(let usage):
            printError("mfsmaster: \(usage.message)\n\(usageText)")
            return usage.message.isEmpty ? 0 : 2
        }
        if options.sample {
            print(MasterKeys.sample, terminator: "")
            return 0
        }
        let settings: MasterSettings
        do {
            settings = try loadSettings(options.configPath)
        } catch {
            printError("mfsmaster: \(error)\n")
            return 1
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = options.debug ? .debug : .info
            return handler
        }
        let logger = Logger(label: "mfsmaster")
        if options.check {
            do {
                _ = try Exports.parse(bytes: try FileIO.read(settings.exportsFile), file: settings.exportsFile)
            } catch {
                printError("mfsmaster: \(error)\n")
                return 1
            }
            printError("mfsmaster: \(settings.configFile ?? "the defaults") and \(settings.exportsFile) are valid\n")
            return 0
        }
        let daemon: MasterDaemon
        do {
            daemon = try MasterDaemon.start(settings, autoRestore: options.autoRestore, logger: logger)
        } catch {
            printError("mfsmaster: \(error)\n")
            return 1
        }
        do {
            try await daemon.run()
        } catch {
            // Started, then a part failed (a port that cannot be bound): not a refused start,
            // so systemd's Restart=on-failure may try again (exit 1 and 2 it does not retry).
            printError("mfsmaster: stopped after a failure: \(error)\n")
            return 3
        }
        return 0
    }

    /// Reads the configuration: `-c FILE` must exist; the default file may be missing (all
    /// defaults then), as with MooseFS.
    static func loadSettings(_ path: String?) throws(MasterStartError) -> MasterSettings {
        let file = path ?? defaultConfigPath
        guard FileIO.exists(file) else {
            if path != nil { throw MasterStartError("cannot read \(file): no such file") }
            return MasterSettings(MasterKeys.schema.defaults, file: nil)
        }
        do {
            let configuration = try MasterKeys.schema.parse(bytes: try FileIO.read(file), file: file)
            return MasterSettings(configuration, file: file)
        } catch let error as ConfigErrors {
            throw MasterStartError(error.description)
        } catch {
            throw MasterStartError("cannot read \(file): \(error)")
        }
    }

    static let usageText = """
        usage: mfsmaster [-c FILE] [-a] [-d]   run in the foreground (SIGTERM: dump the metadata and stop)
               mfsmaster [-c FILE] -t          check the configuration and the exports file
               mfsmaster --sample              print the documented sample configuration
          -a   replay changelogs newer than metadata.mfs first (as mfsmetarestore -a)
          -d   log debug messages
        FILE defaults to \(defaultConfigPath).

        """

    struct Usage: Error { var message: String }

    static func parse(_ arguments: [String]) -> Result<Options, Usage> {
        var options = Options()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "-c":
                guard let path = rest.popFirst() else { return .failure(Usage(message: "-c needs a file")) }
                options.configPath = path
            case "-a": options.autoRestore = true
            case "-t", "--check": options.check = true
            case "-d", "--debug": options.debug = true
            case "-f", "start": break  // MooseFS habits: always in the foreground
            case "--sample": options.sample = true
            case "-h", "--help": return .failure(Usage(message: ""))
            default: return .failure(Usage(message: "unknown argument '\(argument)'"))
            }
        }
        return .success(options)
    }
}
