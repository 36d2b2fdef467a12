import CNetlink
import VRRPCore

#if canImport(Glibc)
    import Glibc
#endif

/// The event loop: one thread, one `ppoll` over the VRRP socket, the signalfd, the link monitor
/// and the health probe, with a timeout to the earliest deadline. The monotonic clock is read here only;
/// `VRRPInstant`s are offsets from the loop's start.
public final class AnnouncerDaemon {
    /// How often counters alone are written to the status file.
    static let statusFlushInterval: Duration = .seconds(1)

    let io: SystemAnnouncerIO
    let shell: AnnouncerShell
    let log: any AnnouncerLogSink
    let signals: SignalChannel
    let links: LinkMonitor
    var probe: HealthProbe?
    let clock = ContinuousClock()
    let origin: ContinuousClock.Instant
    var writtenGeneration = -1
    var lastFlush: VRRPInstant = .origin

    /// Opens everything (sockets, netlink, signalfd, the status lock); nothing is sent yet.
    public init(settings: AnnouncerSettings, log: any AnnouncerLogSink) throws(AnnouncerIOError) {
        self.log = log
        origin = clock.now
        do {
            signals = try SignalChannel()
        } catch {
            throw AnnouncerIOError("\(error)")
        }
        io = try SystemAnnouncerIO(settings: settings)
        do {
            links = try LinkMonitor(interfaceIndex: settings.interfaceIndex, name: settings.interface)
        } catch {
            throw AnnouncerIOError("\(error)")
        }
        do {
            shell = try AnnouncerShell(settings: settings, io: io, log: log, processID: getpid())
        } catch {
            throw AnnouncerIOError("\(error)")
        }
        if let track = settings.trackMaster { probe = HealthProbe(settings: track, now: .origin) }
    }

    var now: VRRPInstant { VRRPInstant(sinceOrigin: clock.now - origin) }

    /// Runs until SIGTERM/SIGINT and the shutdown finished; returns the exit status.
    public func run(reload: () -> AnnouncerSettings?) -> Int32 {
        shell.start(now: now)
        // Started without carrier: the core must know, or it would take over on the silence.
        if !links.running { shell.linkChanged(running: false, now: now) }
        while !shell.isFinished {
            let current = now
            shell.fireDue(now: current)
            probe?.holdingVirtualIPs = shell.instance.holdsVirtualAddresses
            if let result = probe?.fireDue(now: current) {
                shell.masterHealthObserved(result, now: current)
            }
            writeStatus(now: current, force: false)
            if shell.isFinished { break }
            waitForInput(now: current, reload: reload)
        }
        writeStatus(now: now, force: true)
        log.log(.notice, "stopped")
        return 0
    }

    private func waitForInput(now current: VRRPInstant, reload: () -> AnnouncerSettings?) {
        var descriptors = [
            pollfd(fd: io.vrrpDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: signals.descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: links.descriptor, events: Int16(POLLIN), revents: 0),
        ]
        if let probe, probe.descriptor >= 0 {
            descriptors.append(pollfd(fd: probe.descriptor, events: probe.events, revents: 0))
        }
        var deadlines = [current + Self.statusFlushInterval]
        if let deadline = shell.nextDeadline { deadlines.append(deadline) }
        if let probe { deadlines.append(probe.nextDeadline) }
        var timeout = (deadlines.min()! - current).timespecValue
        let ready = mfs_ppoll(&descriptors, nfds_t(descriptors.count), &timeout)
        guard ready > 0 else { return }
        let after = now
        if descriptors[1].revents != 0 { handleSignals(now: after, reload: reload) }
        if descriptors[0].revents != 0 {
            // Bounded, so a flood cannot starve the timers.
            for _ in 0..<64 {
                guard let (bytes, source) = io.receive() else { break }
                shell.receiveDatagram(bytes, from: source, now: after)
            }
        }
        if descriptors[2].revents != 0, let running = links.readChanges() {
            shell.linkChanged(running: running, now: after)
        }
        probe?.holdingVirtualIPs = shell.instance.holdsVirtualAddresses
        if descriptors.count > 3, descriptors[3].revents != 0, let probe,
            let result = probe.advance(revents: descriptors[3].revents, now: after)
        {
            shell.masterHealthObserved(result, now: after)
        }
    }

    private func handleSignals(now current: VRRPInstant, reload: () -> AnnouncerSettings?) {
        for signal in signals.take() {
            switch signal {
            case SIGTERM, SIGINT: shell.shutdown(now: current)
            case SIGHUP:
                if let settings = reload() { shell.reload(settings, now: current) }
            case SIGCHLD: reapChildren(now: current)
            default: break
            }
        }
    }

    private func reapChildren(now current: VRRPInstant) {
        while true {
            var status: Int32 = 0
            let child = waitpid(-1, &status, WNOHANG)
            guard child > 0 else { return }
            if let exit = HookLauncher.decode(status) { shell.hookExited(child, exit, now: current) }
        }
    }

    private func writeStatus(now current: VRRPInstant, force: Bool) {
        let changed = shell.statusGeneration != writtenGeneration
        guard force || changed || current - lastFlush >= Self.statusFlushInterval else { return }
        var status = shell.status
        status.updatedAt = wallClockSeconds()
        do {
            try AnnouncerStatusFile.write(status, to: shell.settings.statusFile)
        } catch {
            log.log(.warning, "writing \(shell.settings.statusFile) failed: \(error)")
        }
        writtenGeneration = shell.statusGeneration
        lastFlush = current
    }
}
