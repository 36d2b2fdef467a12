import Logging
import MFSConfig
import MFSLogging
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
        var common = DaemonCommandLine()
        var autoRestore = false
        var check = false
    }

    public static func main(_ arguments: [String]) async -> Int32 {
        let options: Options
        switch parse(arguments) {
        case .success(let parsed): options = parsed
        case .failure(let usage):
            guard !usage.message.isEmpty else {  // --help: the usage alone, on the standard output
                print(usageText, terminator: "")
                return 0
            }
            printError("mfsmaster: \(usage.message)\n\(usageText)")
            return 2
        }
        if options.common.sample {
            print(MasterKeys.sample, terminator: "")
            return 0
        }
        let settings: MasterSettings
        do {
            settings = try loadSettings(options.common.configPath)
        } catch {
            printError("mfsmaster: \(error)\n")
            return 1
        }
        LoggingSystem.bootstrap { label in
            var handler = DaemonLogHandler(label: label)
            handler.logLevel = options.common.debug ? .debug : .info
            return handler
        }
        let logger = Logger(label: "mfsmaster")
        for setting in settings.ignoredSettings { logger.notice("\(setting)") }
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
        let loaded: (configuration: Configuration, file: String?)
        do throws(ConfigLoadError) {
            loaded = try MasterKeys.schema.load(path, defaultPath: defaultConfigPath, read: FileIO.readIfPresent)
        } catch {
            throw MasterStartError(error.description)
        }
        try MasterSettings.check(loaded.configuration)
        return MasterSettings(loaded.configuration, file: loaded.file)
    }

    static let usageText = """
        usage: mfsmaster [-c FILE] [-a] [-d]   run in the foreground (SIGTERM: dump the metadata and stop)
               mfsmaster [-c FILE] -t          check the configuration and the exports file
               mfsmaster --sample              print the documented sample configuration
          -a   replay changelogs newer than metadata.mfs first (as mfsmetarestore -a)
          -d   log debug messages
        FILE defaults to \(defaultConfigPath).

        """

    static func parse(_ arguments: [String]) -> Result<Options, DaemonCommandLine.Usage> {
        var options = Options()
        return DaemonCommandLine.parse(arguments) { argument in
            switch argument {
            case "-a": options.autoRestore = true
            case "-t", "--check": options.check = true
            default: return false
            }
            return true
        }.map { common in
            options.common = common
            return options
        }
    }
}
