#if canImport(Glibc)
    import Glibc
#endif

/// The `mfsannouncer` command line: run the daemon, check a configuration, or show the status.
///
/// ```
/// mfsannouncer [-c FILE] [-d]          run in the foreground (systemd Type=exec)
/// mfsannouncer [-c FILE] -t            check the configuration and exit
/// mfsannouncer [-c FILE] --status [--json]
/// mfsannouncer --sample                print config/mfsannouncer.cfg.sample
/// ```
/// Exit status: 0 success; 1 bad configuration or a failure to start; 2 usage; `--status`: 3
/// when the announcer is not running (as LSB `status` does).
public enum AnnouncerCommand {
    public static let defaultConfigPath = "/etc/mfs/mfsannouncer.cfg"

    struct Options {
        var configPath = defaultConfigPath
        var status = false
        var json = false
        var check = false
        var debug = false
        var sample = false
    }

    public static func main(_ arguments: [String]) -> Int32 {
        let options: Options
        switch parse(arguments) {
        case .success(let parsed): options = parsed
        case .failure(let usage):
            guard !usage.message.isEmpty else {  // --help: the usage alone, on the standard output
                printOutput(usageText)
                return 0
            }
            printError("mfsannouncer: \(usage.message)\n\(usageText)")
            return 2
        }
        if options.sample {
            printOutput(AnnouncerConfigKeys.renderSample())
            return 0
        }
        let settings: AnnouncerSettings
        do {
            settings = try AnnouncerSettings.load(path: options.configPath)
        } catch {
            printError("mfsannouncer: \(error)\n")
            return 1
        }
        if options.status { return showStatus(settings.statusFile, json: options.json) }
        if options.check {
            printError("mfsannouncer: \(options.configPath) is valid (primary address \(settings.primaryAddress))\n")
            return 0
        }
        return runDaemon(settings, debug: options.debug)
    }

    static let usageText = """
        usage: mfsannouncer [-c FILE] [-d]       run (foreground; SIGTERM resigns and exits, SIGHUP reloads)
               mfsannouncer [-c FILE] -t         check the configuration
               mfsannouncer [-c FILE] --status [--json]
               mfsannouncer --sample             print the documented sample configuration
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
            case "--status", "-s": options.status = true
            case "--json": options.json = true
            case "-t", "--check": options.check = true
            case "-d", "--debug": options.debug = true
            case "--sample": options.sample = true
            case "-h", "--help": return .failure(Usage(message: ""))
            default: return .failure(Usage(message: "unknown argument '\(argument)'"))
            }
        }
        return .success(options)
    }

    static func showStatus(_ path: String, json: Bool) -> Int32 {
        do {
            let status = try AnnouncerStatusFile.read(from: path)
            let running = AnnouncerStatusFile.isRunning(status)
            if json {
                printOutput(try readTextFile(path))
            } else {
                printOutput(AnnouncerStatusFile.render(status, running: running))
            }
            return running ? 0 : 3
        } catch {
            printError("mfsannouncer: \(error)\n")
            return 3
        }
    }

    static func runDaemon(_ settings: AnnouncerSettings, debug: Bool) -> Int32 {
        let log = StandardErrorLog(minimumLevel: debug ? .debug : .info)
        do {
            try makeDirectories(parentDirectory(settings.statusFile))
            try lockStatusFile(settings.statusFile)
        } catch {
            log.log(.error, "\(error)")
            return 1
        }
        let daemon: AnnouncerDaemon
        do {
            daemon = try AnnouncerDaemon(settings: settings, log: log)
        } catch {
            log.log(.error, "cannot start: \(error)")
            return 1
        }
        return daemon.run {
            do {
                return try AnnouncerSettings.load(path: settings.configPath)
            } catch {
                log.log(.error, "reload refused, keeping the running configuration: \(error)")
                return nil
            }
        }
    }

    /// Holds `STATUS_FILE.lock` for the life of the process: two announcers writing one status
    /// file would be one too many (each VRID gets its own STATUS_FILE).
    static func lockStatusFile(_ statusFile: String) throws(SystemCallError) {
        let path = statusFile + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemCallError("open \(path)") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK {
                throw SystemCallError("another mfsannouncer holds \(path) (one STATUS_FILE per announcer)", code: code)
            }
            throw SystemCallError("flock \(path)", code: code)
        }
        // The descriptor stays open (and locked) until exit.
    }
}

func printError(_ text: String) { writeAll(STDERR_FILENO, text) }
func printOutput(_ text: String) { writeAll(STDOUT_FILENO, text) }

private func writeAll(_ fd: Int32, _ text: String) {
    var text = text
    text.withUTF8 { buffer in
        var done = 0
        while done < buffer.count {
            let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            done += n
        }
    }
}
