import Logging
import MFSConfig
import MFSLogging
import MFSStorage

/// The `mfschunkserver` command line.
///
/// ```
/// mfschunkserver [-c FILE] [-d]     run in the foreground (systemd Type=exec)
/// mfschunkserver --sample           print config/mfschunkserver.cfg.sample
/// mfschunkserver --sample-hdd       print config/mfshdd.cfg.sample
/// ```
/// A trailing `start` and `-f` are accepted for MooseFS habits. Exit status: 0 after a stop by
/// SIGTERM or SIGINT; 1 when it refuses to start (bad configuration, DATA_PATH or a data
/// directory missing or locked); 2 usage; 3 when it stops after a failure once started (a data
/// port that cannot be bound), which systemd restarts.
public enum ChunkserverCommand {
    public static func main(_ arguments: [String]) async -> Int32 {
        var hardDriveSample = false
        let options: DaemonCommandLine
        switch DaemonCommandLine.parse(
            arguments, own: { argument in argument == "--sample-hdd" ? (hardDriveSample = true, true).1 : false })
        {
        case .success(let parsed): options = parsed
        case .failure(let usage):
            guard !usage.message.isEmpty else {  // --help: the usage alone, on the standard output
                print(usageText, terminator: "")
                return 0
            }
            printError("mfschunkserver: \(usage.message)\n\(usageText)")
            return 2
        }
        if options.sample || hardDriveSample {
            print(hardDriveSample ? ChunkserverKeys.hardDriveSample : ChunkserverKeys.sample, terminator: "")
            return 0
        }
        let daemon: ChunkserverDaemon
        do {
            let settings = try ChunkserverSettings.load(options.configPath)
            LoggingSystem.bootstrap { label in
                var handler = DaemonLogHandler(label: label)
                handler.logLevel = options.debug ? .debug : .info
                return handler
            }
            daemon = try ChunkserverDaemon.start(settings, logger: Logger(label: "mfschunkserver"))
        } catch {
            printError("mfschunkserver: \(error)\n")
            return 1
        }
        do {
            try await daemon.run()
            return 0
        } catch {
            // Started, then a part failed (a data port that cannot be bound): not a refused
            // start, so systemd's Restart=on-failure may try again (exit 1 and 2 it does not).
            printError("mfschunkserver: stopped after a failure: \(error)\n")
            return 3
        }
    }

    static let usageText = """
        usage: mfschunkserver [-c FILE] [-d]   run in the foreground (SIGTERM: stop)
               mfschunkserver --sample         print the documented sample configuration
               mfschunkserver --sample-hdd     print the documented sample mfshdd.cfg
          -d   log debug messages
        FILE defaults to \(ChunkserverSettings.defaultConfigPath).

        """
}
