#if canImport(Glibc)
    import Glibc
#endif

/// Starts hooks as `/bin/sh -c COMMAND` in a process group of their own, so that a timeout
/// kills the whole group (the shell and whatever it started). The child gets default signal
/// dispositions and an empty mask (the daemon blocks signals for its signalfd), standard
/// input from /dev/null, and the daemon's standard output and error (journald).
enum HookLauncher {
    static let signalsReset: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGQUIT]

    static func start(_ command: String, environment extra: [String: String]) throws(SystemCallError) -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in signalsReset { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        let arguments: [UnsafeMutablePointer<CChar>?] = ([String])(["/bin/sh", "-c", command]).map { strdup($0) }
        defer { arguments.forEach { free($0) } }
        var environment: [UnsafeMutablePointer<CChar>?] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "="), extra[String(text[..<equals])] == nil { environment.append(strdup(entry)) }
            cursor += 1
        }
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) { environment.append(strdup("\(key)=\(value)")) }
        defer { environment.forEach { free($0) } }

        var processID: pid_t = 0
        let result = (arguments + [nil]).withUnsafeBufferPointer { argv in
            (environment + [nil]).withUnsafeBufferPointer { envp in
                posix_spawn(
                    &processID, "/bin/sh", &actions, &attributes, UnsafeMutablePointer(mutating: argv.baseAddress!),
                    UnsafeMutablePointer(mutating: envp.baseAddress!))
            }
        }
        guard result == 0 else { throw SystemCallError("posix_spawn /bin/sh", code: result) }
        return processID
    }

    /// Decodes a `waitpid` status (the W* macros are not visible to Swift).
    static func decode(_ status: Int32) -> HookExit? {
        let low = status & 0x7F
        if low == 0 { return .exited((status >> 8) & 0xFF) }
        if low != 0x7F { return .signaled(low) }
        return nil  // stopped or continued: not an end
    }
}
