import VRRPCore

/// The thin shell around `VRRPInstance`: it turns the loop's inputs (datagrams, timer expiries,
/// hook exits, health answers, signals) into core events, and performs the core's directives
/// in order through `AnnouncerIO` (the duties listed on `VRRPDirective`). It decides nothing
/// about VRRP. It reads no clock: every entry point takes `now`, and `nextDeadline` says when
/// the loop must call `fireDue` again, so tests drive it with a manual clock.
public final class AnnouncerShell {
    public private(set) var instance: VRRPInstance
    public private(set) var settings: AnnouncerSettings
    public internal(set) var status: AnnouncerStatus
    /// Bumped on every change worth writing at once (transition, hook, health, priority).
    public internal(set) var statusGeneration = 0
    /// True after `shutdown` once the core stopped and every hook finished: time to exit.
    public var isFinished: Bool { stopping && instance.state == .initialize && runningHook == nil && hookQueue.isEmpty }

    let io: any AnnouncerIO
    let log: any AnnouncerLogSink
    let wallClock: () -> Double
    var timers: [VRRPTimerKind: (timer: VRRPTimer, deadline: VRRPInstant)] = [:]
    var arpBurst: ARPBurst? = nil
    var hookQueue: [HookJob] = []
    var runningHook: RunningHook? = nil
    var pendingEvents: [VRRPEvent] = []
    var draining = false
    var stopping = false
    /// The source of the datagram being processed, for rejection logs.
    var currentSource: IPv4Address? = nil
    var lastReason = "started"
    var limiter = LogRateLimiter()
    var health: HealthTracker?
    /// Whether the tracked master hears enough peers: false from its first isolated answer,
    /// true again after `TRACK_MASTER_RISE` answers in a row (see `masterHealthObserved`).
    var hearsPeers: HealthTracker?

    public init(
        settings: AnnouncerSettings, io: any AnnouncerIO, log: any AnnouncerLogSink,
        wallClock: @escaping () -> Double = wallClockSeconds, processID: Int32 = 0
    ) throws(VRRPConfigurationError) {
        self.settings = settings
        self.instance = VRRPInstance(configuration: try settings.vrrpConfiguration())
        self.io = io
        self.log = log
        self.wallClock = wallClock
        health = settings.trackMaster.map { HealthTracker(fall: $0.fall, rise: $0.rise) }
        hearsPeers = settings.trackMaster.map { HealthTracker(fall: 1, rise: $0.rise) }
        let now = wallClock()
        status = AnnouncerStatus(
            pid: processID, startedAt: now, updatedAt: now, interface: settings.interface,
            virtualRouterID: settings.virtualRouterID, primaryAddress: "\(settings.primaryAddress)",
            virtualIPs: settings.virtualIPs.map(\.description), unicastPeers: settings.unicastPeers.map(\.description),
            advertisementIntervalMilliseconds: settings.advertisementInterval.milliseconds,
            configuredPriority: settings.priority, priority: settings.priority, state: "initialize",
            holdsVirtualIPs: false, trackMasterURL: settings.trackMaster?.url, masterHealthy: nil,
            masterHealthDetail: nil, stopping: false, transitions: [], hookRuns: [], counters: [:])
    }

    // MARK: Inputs

    /// Startup (RFC 5798 §6.4.1). With `TRACK_MASTER` the router first runs at priority 0 and
    /// stands for master only once the master answered healthy.
    public func start(now: VRRPInstant) {
        let mode = settings.unicastPeers.isEmpty ? "multicast 224.0.0.18" : "unicast to \(status.unicastPeers.joined(separator: ", "))"
        log.log(
            .notice,
            "starting: VRID \(settings.virtualRouterID) on \(settings.interface) (\(settings.primaryAddress)), "
                + "priority \(settings.priority), interval \(settings.advertisementInterval.milliseconds) ms, \(mode), "
                + "virtual IPs \(status.virtualIPs.joined(separator: ", "))")
        if let track = settings.trackMaster {
            log.log(.notice, "TRACK_MASTER \(track.url): priority 0 until the master's first healthy answer")
            enqueue(.priorityChanged(0))
        }
        enqueue(.start)
        drain(now: now)
    }

    /// A datagram from the raw socket (IPv4 header included) and its sender.
    public func receiveDatagram(_ bytes: [UInt8], from source: IPv4Address, now: VRRPInstant) {
        count("datagrams_received")
        if !settings.unicastPeers.isEmpty && !settings.unicastPeers.contains(source) {
            count("rejected_not_a_peer")
            logLimited("\(source)|peer", now: now, "advertisement from \(source) dropped: not in UNICAST_PEERS")
            return
        }
        currentSource = source
        enqueue(.datagramReceived(bytes))
        drain(now: now)
        currentSource = nil
    }

    /// SIGTERM: resign with priority 0, remove the addresses, run the demote hook, then finish.
    public func shutdown(now: VRRPInstant) {
        guard !stopping else { return }
        stopping = true
        status.stopping = true
        statusGeneration += 1
        log.log(.notice, "shutting down (SIGTERM): resigning")
        enqueue(.shutdown)
        drain(now: now)
    }

    /// One answer of the tracked master. Its health goes through the hysteresis of
    /// `TRACK_MASTER_FALL`/`_RISE`. That it is isolated takes effect at once (it only changes
    /// the priority the adverts carry, see `runningPriority`); that it is no longer isolated
    /// takes `TRACK_MASTER_RISE` answers in a row. Right after a partition heals, the
    /// acknowledgements its peers sent before they left it, retransmitted by TCP ahead of
    /// their FIN, can make a cut-off master look connected for a moment: at its own priority
    /// its router would take the address back from the master elected meanwhile, which then
    /// takes it again once the stale master steps down (a CI run of
    /// `PartitionTests.aCutOffActiveMasterAcknowledgesNothingAndFollowsTheNewOneAfterTheHeal`).
    /// Within a few answers it hears the other router's advert and yields instead.
    public func masterHealthObserved(_ answer: MasterStatusAnswer.Verdict, now: VRRPInstant) {
        guard var tracker = health else { return }
        let before = runningPriority
        let verdict = tracker.observe(healthy: answer.healthy)
        health = tracker
        if status.masterHealthDetail != answer.detail {
            status.masterHealthDetail = answer.detail
            statusGeneration += 1
        }
        if let verdict {
            status.masterHealthy = verdict
            statusGeneration += 1
            log.log(verdict ? .notice : .warning, "tracked master is \(verdict ? "healthy" : "unhealthy"): \(answer.detail)")
        }
        _ = hearsPeers?.observe(healthy: !answer.isolated)
        let isolated = hearsPeers?.healthy == false
        if isolated != status.masterIsolated {
            status.masterIsolated = isolated
            statusGeneration += 1
            log.log(
                isolated ? .warning : .notice,
                isolated
                    ? "tracked master is isolated (too few peers heard to acknowledge a change): priority \(Self.isolatedPriority) "
                        + "while it is, so that a master elected meanwhile keeps the address when they meet again"
                    : "tracked master hears enough peers again: priority \(settings.priority)")
        }
        guard !stopping, runningPriority != before else { return }
        enqueue(.priorityChanged(runningPriority))
        drain(now: now)
    }

    /// A hook process ended (the loop reaped it).
    public func hookExited(_ processID: Int32, _ exit: HookExit, now: VRRPInstant) {
        guard let running = runningHook, running.processID == processID else { return }
        let result: VRRPHookResult
        switch exit {
        case .exited(0) where !running.timedOut: result = .success
        case _ where running.timedOut:
            result = .failure("timed out after \(settings.hookTimeout), process group killed")
        case .exited(VRRPLimits.notYetExitStatus):
            result = .notYet("exited with status \(VRRPLimits.notYetExitStatus) (EX_TEMPFAIL): not yet, ask again")
        case .exited(let code): result = .failure("exited with status \(code)")
        case .signaled(let signal): result = .failure("killed by signal \(signal)")
        }
        finishHook(running, result, now: now)
    }

    /// SIGHUP: takes the new priority, hooks, hook timeout and ARP settings; other keys need a
    /// restart and are reported.
    public func reload(_ new: AnnouncerSettings, now: VRRPInstant) {
        var same = new
        same.priority = settings.priority
        same.promoteHook = settings.promoteHook
        same.demoteHook = settings.demoteHook
        same.hookTimeout = settings.hookTimeout
        same.gratuitousARPCount = settings.gratuitousARPCount
        same.gratuitousARPInterval = settings.gratuitousARPInterval
        if same != settings { log.log(.warning, "reload: only PRIORITY, hooks, HOOK_TIMEOUT and GARP_* change without a restart") }
        let oldPriority = settings.priority
        settings.priority = new.priority
        settings.promoteHook = new.promoteHook
        settings.demoteHook = new.demoteHook
        settings.hookTimeout = new.hookTimeout
        settings.gratuitousARPCount = new.gratuitousARPCount
        settings.gratuitousARPInterval = new.gratuitousARPInterval
        status.configuredPriority = new.priority
        statusGeneration += 1
        log.log(.notice, "reloaded \(settings.configPath)")
        guard oldPriority != new.priority, !stopping else { return }
        enqueue(.priorityChanged(runningPriority))
        drain(now: now)
    }

    /// The interface's carrier came back (or went away). The core decides first (a backup
    /// without carrier does not take over; a master back from a long loss may resign, see
    /// `VRRPInstance`, "Carrier"). A master that still holds the addresses then announces them
    /// again: neighbours that used another router while this link was down would otherwise
    /// keep that router's MAC address (DESIGN §7.5).
    public func linkChanged(running: Bool, now: VRRPInstant) {
        count(running ? "link_up" : "link_down")
        log.log(running ? .notice : .warning, "\(settings.interface) is \(running ? "up again" : "down (no carrier)")")
        guard !stopping else { return }
        enqueue(.carrierChanged(up: running))
        drain(now: now)
        guard running, instance.holdsVirtualAddresses else { return }
        startARPBurst(instance.configuration.virtualAddresses, now: now)
    }

    // MARK: Time

    /// The earliest moment `fireDue` has work: a timer, the next gratuitous ARP, a hook timeout.
    public var nextDeadline: VRRPInstant? {
        var deadlines = timers.values.map(\.deadline)
        if let arpBurst { deadlines.append(arpBurst.next) }
        if let runningHook { deadlines.append(runningHook.deadline) }
        return deadlines.min()
    }

    /// Fires everything due at `now`, earliest first.
    public func fireDue(now: VRRPInstant) {
        while let (kind, entry) = timers.filter({ $0.value.deadline <= now }).min(by: { $0.value.deadline < $1.value.deadline }) {
            timers[kind] = nil
            enqueue(.timerFired(entry.timer))
            drain(now: now)
        }
        if let burst = arpBurst, burst.next <= now { continueARPBurst(now: now) }
        if let running = runningHook, running.deadline <= now { hookDeadlinePassed(running, now: now) }
    }

    /// The priority to run at: the configured one; 0 while the tracked master is not known
    /// healthy; `isolatedPriority` while it is isolated (an address owner keeps 255).
    var runningPriority: UInt8 {
        if health != nil && health?.healthy != true { return 0 }
        if status.masterIsolated && settings.priority < Int(VRRPLimits.addressOwnerPriority) {
            return min(UInt8(settings.priority), Self.isolatedPriority)
        }
        return UInt8(settings.priority)
    }

    /// The priority while the tracked master is active but isolated: it cannot acknowledge a
    /// change (too few of its peers heard it within `PEER_SILENCE_TIMEOUT`). A partition that
    /// leaves the carrier up (between two switches) cut it off, and the other side may have
    /// elected a master meanwhile; when they meet again the other router (any priority above
    /// this) keeps the address, and this one yields at its first advert instead of taking the
    /// address for a master that is stale (RFC 5798 §6.4.3 picks the higher priority). While
    /// no one else is master, a lower priority changes nothing: with `PREEMPT = 0` a backup
    /// does not take over from a live master of lower priority.
    public static let isolatedPriority: UInt8 = 1

    // MARK: Events

    func enqueue(_ event: VRRPEvent) { pendingEvents.append(event) }

    /// Hands queued events to the core one at a time, performing each call's directives in
    /// order before the next event (duty 1). Events raised while performing (a hook that is not
    /// configured reports at once) wait their turn, so nothing re-enters the core.
    func drain(now: VRRPInstant) {
        guard !draining else { return }
        draining = true
        defer { draining = false }
        while !pendingEvents.isEmpty {
            let event = pendingEvents.removeFirst()
            for directive in instance.handle(event, now: now) { perform(directive, now: now) }
            syncStatus()
        }
    }

    func syncStatus() {
        let state = "\(instance.state)"
        let priority = Int(instance.priority)
        let holds = instance.holdsVirtualAddresses
        guard state != status.state || priority != status.priority || holds != status.holdsVirtualIPs else { return }
        status.state = state
        status.priority = priority
        status.holdsVirtualIPs = holds
        statusGeneration += 1
    }

    func count(_ counter: String, _ amount: Int = 1) { status.counters[counter, default: 0] += amount }

    func logLimited(_ key: String, now: VRRPInstant, level: LogLevel = .warning, _ message: String) {
        guard let suppressed = limiter.admit(key, now: now) else { return }
        let note = suppressed > 0 ? " (\(suppressed) more since the last such line)" : ""
        log.log(level, message + note)
    }
}
