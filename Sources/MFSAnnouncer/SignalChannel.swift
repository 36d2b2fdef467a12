import CNetlink

#if canImport(Glibc)
    import Glibc
#endif

/// The signals the daemon handles, read from a signalfd in the poll loop instead of by
/// asynchronous handlers: SIGTERM and SIGINT (shutdown), SIGHUP (reload), SIGCHLD (a hook
/// ended). They are blocked for the whole process; hooks get them unblocked (`HookLauncher`).
final class SignalChannel {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGCHLD]

    let descriptor: Int32

    init() throws(SystemCallError) {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in Self.handled { sigaddset(&mask, signal) }
        guard sigprocmask(SIG_BLOCK, &mask, nil) == 0 else { throw SystemCallError("sigprocmask") }
        descriptor = signalfd(-1, &mask, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard descriptor >= 0 else { throw SystemCallError("signalfd") }
        // Writes to a closed socket must fail with EPIPE, not kill the daemon.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit { close(descriptor) }

    /// The signals that arrived since the last call (each at most once per read).
    func take() -> [Int32] {
        var signals: [Int32] = []
        var info = signalfd_siginfo()
        while read(descriptor, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            signals.append(Int32(info.ssi_signo))
        }
        return signals
    }
}
