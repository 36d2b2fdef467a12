import Logging
import MFSConfig
import MFSLogging
import MFSStorage

/// The `mfsmetalogger` command line.
///
/// ```
/// mfsmetalogger [-c FILE] [-d]     run in the foreground (systemd Type=exec)
/// mfsmetalogger --sample           print config/mfsmetalogger.cfg.sample
/// ```
/// A trailing `start` and `-f` are accepted for MooseFS habits. Exit status: 0 after a stop by
/// SIGTERM or SIGINT; 1 when it refuses to start (bad configuration, `DATA_PATH` missing or
/// locked, files that do not replay); 2 usage; 3 when the changelog could not be written after
/// the start.
public enum MetaloggerCommand {
    public static func main(_ arguments: [String]) -> Int32 {
        // Before any thread starts: only the main thread takes SIGTERM, SIGINT and SIGHUP.
        MetaloggerDaemon.blockSignals()
        let options: DaemonCommandLine
        switch DaemonCommandLine.parse(arguments) {
        case .success(let parsed): options = parsed
        case .failure(let usage):
            guard !usage.message.isEmpty else {  // --help: the usage alone, on the standard output
                print(usageText, terminator: "")
                return 0
            }
            printError("mfsmetalogger: \(usage.message)\n\(usageText)")
            return 2
        }
        if options.sample {
            print(MetaloggerKeys.sample, terminator: "")
            return 0
        }
        let settings: MetaloggerSettings
        do {
            settings = try MetaloggerSettings.load(options.configPath)
        } catch {
            printError("mfsmetalogger: \(error)\n")
            return 1
        }
        LoggingSystem.bootstrap { label in
            var handler = DaemonLogHandler(label: label)
            handler.logLevel = options.debug ? .debug : .info
            return handler
        }
        let logger = Logger(label: "mfsmetalogger")
        for setting in settings.ignoredSettings { logger.notice("\(setting)") }
        let daemon: MetaloggerDaemon
        do {
            daemon = try MetaloggerDaemon.start(settings, logger: logger)
        } catch {
            printError("mfsmetalogger: \(error)\n")
            return 1
        }
        switch daemon.run() {
        case .signal: return 0
        case .storageFailed:
            printError("mfsmetalogger: stopped after a failure: the changelog could not be written\n")
            return 3
        }
    }

    static let usageText = """
        usage: mfsmetalogger [-c FILE] [-d]   run in the foreground (SIGTERM: stop)
               mfsmetalogger --sample         print the documented sample configuration
          -d   log debug messages
        FILE defaults to \(MetaloggerSettings.defaultConfigPath).

        """
}
