/// One virtual router (RFC 5798, IPv4) as a pure state machine: feed it events with the time,
/// get back directives for the shell (see `VRRPDirective` for the shell's duties).
///
/// ```swift
/// var instance = VRRPInstance(configuration: configuration)
/// for directive in instance.handle(.start, now: now) { shell.perform(directive) }
/// ```
///
/// ## Promotion and demotion
/// Becoming master is two steps. At once the router enters Master, advertises and arms its
/// Adver_Timer, so other backups stay backups, and asks for the promote hook. Only when the hook
/// reports success does it add the virtual addresses and send gratuitous ARPs. If the hook
/// fails it resigns: advertises priority 0 (so another backup takes over after Skew_Time),
/// returns to Backup and asks for the demote hook, since a hook that failed half-way may have
/// left the local master writable; it tries again after Master_Down_Interval if no other router
/// took over. Leaving Master removes the addresses first (if they were added) and then asks
/// for the demote hook, also when the promote hook is still running (the shell queues hooks).
///
/// ## Preempt delay (not in RFC 5798; keepalived's `preempt_delay`)
/// A backup that would preempt a lower-priority master (Preempt_Mode on, or address owner)
/// first keeps accepting that master's advertisements, as if Preempt_Mode were off, until
/// `preemptDelay` has passed since the first of them it saw in this stay in Backup. After that
/// it discards them, and RFC 5798 §6.4.2 takes its course: it takes over when its
/// Master_Down_Timer runs out, that is up to Master_Down_Interval after the delay. An
/// advertisement of priority at least ours restarts the count. A delay of zero is plain
/// RFC 5798. No extra timer is needed, and a backup that joins a running cluster (a restarted
/// host) does not force a failover before `preemptDelay` has passed.
///
/// ## Deviations and extensions, each for a stated reason
/// - An address owner processes advertisements like everyone else instead of discarding them
///   (RFC 5798 §7.1; RFC 9568 erratum 8298 agrees), so two owners by mistake elect one master.
/// - A master that receives an advertisement it outranks (a healed split brain) or a
///   priority-0 advertisement answers at once with an advertisement and, if it holds the
///   addresses, gratuitous ARPs, so clients drop the other router's MAC (DESIGN §7.5).
/// - A master that yields to another sends one last advertisement at its own priority, so
///   the winner hears it even when their first advertisements crossed, and answers as above.
/// - A starting router removes the virtual addresses a crashed predecessor may have left
///   (DESIGN §7.5); the owner adds them back once its promote hook succeeded.
///
/// ## Carrier (not in RFC 5798, which leaves interface state to the implementation)
/// - A backup whose interface has no carrier does not take over: it would promote a master
///   that nobody can reach. Once the carrier is back it listens for a whole
///   Master_Down_Interval before it may.
/// - A master keeps the role through a carrier loss shorter than Master_Down_Interval (a
///   flapped port: no backup can have taken over, so nothing changes). A longer loss gave the
///   backups time to elect another master. Without Preempt_Mode this router then comes back
///   as a backup, as it would after a restart: it resigns (priority 0, so the other master
///   answers with gratuitous ARPs at once) instead of taking the addresses back by its
///   priority from a master that has served them since (the healed split of DESIGN §7.6).
///   keepalived goes further and gives up the role at every carrier loss (its FAULT state).
///   With Preempt_Mode (or as address owner) the router would take the role back anyway, so
///   it keeps it, as RFC 5798 §6.4.3 has it.
public struct VRRPInstance: Sendable {
    /// Where a master is on its way to serving the addresses.
    enum MasterPhase: Hashable, Sendable {
        /// Advertising, waiting for the promote hook; the addresses are not added yet.
        case promoting(VRRPPromotionID)
        /// The promote hook succeeded and the addresses were added.
        case serving
    }

    /// What will make the Master_Down_Timer fire, for the transition's reason.
    enum MasterDownCause: Hashable, Sendable {
        case silence
        case masterResigned(IPv4Address)
        case preempting(IPv4Address, priority: UInt8)
    }

    public let configuration: VRRPConfiguration
    /// The current state (§6.4).
    public internal(set) var state: VRRPState = .initialize
    /// The priority this router runs at: the configured one unless `priorityChanged` said other.
    public internal(set) var priority: UInt8
    /// Master_Adver_Interval (§6.1): the interval learned from the master's advertisements.
    public internal(set) var masterAdvertisementInterval: Duration

    var masterPhase: MasterPhase? = nil
    var advertisementTimer: VRRPTimer? = nil
    var masterDownTimer: VRRPTimer? = nil
    var masterDownCause: MasterDownCause = .silence
    /// When this backup first saw the lower-priority master it would preempt (preempt delay).
    var lowerPriorityMasterSince: VRRPInstant? = nil
    /// Source of timer generations and promotion ids; never reused within the instance.
    var serial: UInt64 = 0
    /// Promote hooks that failed in a row, and until when the next attempt waits.
    public internal(set) var failedPromotions = 0
    /// Promote hooks in a row that answered "not yet" (`VRRPHookResult.notYet`).
    public internal(set) var notYetPromotions = 0
    public internal(set) var promoteRetryAt: VRRPInstant? = nil
    /// Since when the interface has had no carrier (nil while it has one).
    public internal(set) var carrierLostAt: VRRPInstant? = nil

    public init(configuration: VRRPConfiguration) {
        self.configuration = configuration
        priority = configuration.priority
        masterAdvertisementInterval = configuration.advertisementInterval
    }

    /// Skew_Time = ((256 − Priority) × Master_Adver_Interval) / 256 (RFC 5798 §6.1): the
    /// higher the priority, the sooner a backup takes over, so the best backup usually wins.
    public var skewTime: Duration { masterAdvertisementInterval * (256 - Int(priority)) / 256 }

    /// Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time (RFC 5798 §6.1).
    public var masterDownInterval: Duration { masterAdvertisementInterval * 3 + skewTime }

    /// Whether the addresses are on the interface: a master whose promote hook succeeded.
    public var holdsVirtualAddresses: Bool { masterPhase == .serving }

    /// How long to wait before trying again after `failures` failed promote hooks in a row:
    /// nothing after the first (the usual Master_Down_Interval), then
    /// `VRRPLimits.firstPromoteBackoff` doubling up to `VRRPLimits.maximumPromoteBackoff`.
    public static func promoteBackoff(afterFailures failures: Int) -> Duration {
        guard failures >= 2 else { return .zero }
        var backoff = VRRPLimits.firstPromoteBackoff
        for _ in 2..<min(failures, 16) where backoff < VRRPLimits.maximumPromoteBackoff { backoff *= 2 }
        return min(backoff, VRRPLimits.maximumPromoteBackoff)
    }

    /// Whether a failed promote hook holds this router back from becoming master at `now`.
    func promotionBackedOff(at now: VRRPInstant) -> Bool {
        guard let retry = promoteRetryAt else { return false }
        return now < retry
    }

    /// The promote hook run the instance waits for, if any.
    public var pendingPromotion: VRRPPromotionID? {
        if case .promoting(let id) = masterPhase { return id }
        return nil
    }

    /// Applies one event at time `now` and returns what the shell must do, in order.
    public mutating func handle(_ event: VRRPEvent, now: VRRPInstant) -> [VRRPDirective] {
        var out: [VRRPDirective] = []
        switch event {
        case .start: start(now: now, &out)
        case .datagramReceived(let bytes): receiveDatagram(bytes, now: now, &out)
        case .packetReceived(let bytes, let source, let destination, let ttl):
            receivePacket(bytes, source: source, destination: destination, ttl: ttl, now: now, &out)
        case .advertisementReceived(let packet, let source, let ttl):
            receiveAdvertisement(packet, source: source, ttl: ttl, now: now, &out)
        case .timerFired(let timer): timerFired(timer, now: now, &out)
        case .promoteHookFinished(let id, let result): promoteHookFinished(id, result, now: now, &out)
        case .priorityChanged(let newPriority): changePriority(to: newPriority, now: now, &out)
        case .carrierChanged(let up): carrierChanged(up: up, now: now, &out)
        case .shutdown: shutdown(now: now, &out)
        }
        return out
    }

    /// §6.4.1 Startup. A second `start` while running changes nothing.
    mutating func start(now: VRRPInstant, _ out: inout [VRRPDirective]) {
        guard state == .initialize else { return }
        masterAdvertisementInterval = configuration.advertisementInterval
        // §6.4.1: "If the Priority = 255 ... transition to the Master state".
        let isOwner = priority == VRRPLimits.addressOwnerPriority
        let reason: VRRPTransitionReason = isOwner ? .startedAsAddressOwner : .started
        out.append(.transition(VRRPTransition(from: .initialize, to: isOwner ? .master : .backup, reason: reason)))
        // DESIGN §7.5: a crashed predecessor may have left the addresses on the interface. Even
        // the owner removes them: they come back only after its promote hook succeeded.
        out.append(.removeAddresses(configuration.virtualAddresses))
        if isOwner {
            enterMaster(now: now, &out)
        } else {
            state = .backup
            enterBackup(now: now, &out)
        }
    }

    /// §6.4.2 and §6.4.3 Shutdown: a master resigns with priority 0 so a backup takes over after
    /// Skew_Time instead of Master_Down_Interval.
    mutating func shutdown(now: VRRPInstant, _ out: inout [VRRPDirective]) {
        switch state {
        case .initialize:
            return
        case .backup:
            out.append(.transition(VRRPTransition(from: .backup, to: .initialize, reason: .shutdown)))
            cancelTimer(.masterDown, &out)
            state = .initialize
        case .master:
            leaveMaster(to: .initialize, reason: .shutdown, resign: true, &out)
        }
    }

    /// Runs the router at another priority from now on; 0 means it must not be master.
    mutating func changePriority(to newPriority: UInt8, now: VRRPInstant, _ out: inout [VRRPDirective]) {
        let oldPriority = priority
        guard newPriority != oldPriority else { return }
        priority = newPriority
        switch state {
        case .initialize:
            return
        case .backup:
            if newPriority == 0 {
                cancelTimer(.masterDown, &out)
                lowerPriorityMasterSince = nil
            } else if oldPriority == 0 {
                armMasterDownTimer(after: masterDownInterval, cause: .silence, now: now, &out)
            }
        case .master:
            if newPriority == 0 {
                leaveMaster(to: .backup, reason: .priorityDroppedToZero, resign: true, &out)
                masterAdvertisementInterval = configuration.advertisementInterval
                enterBackup(now: now, &out)
            } else {
                // Tell the others at once: a better backup may now preempt.
                sendAdvertisement(&out)
                armTimer(.advertisement, after: configuration.advertisementInterval, now: now, &out)
            }
        }
    }

    /// The interface lost or regained its carrier (see "Carrier" above).
    mutating func carrierChanged(up: Bool, now: VRRPInstant, _ out: inout [VRRPDirective]) {
        guard up else {
            if carrierLostAt == nil { carrierLostAt = now }
            return
        }
        guard let lost = carrierLostAt else { return }
        carrierLostAt = nil
        let gone = now - lost
        switch state {
        case .initialize:
            return
        case .backup:
            guard priority > 0 else { return }
            armMasterDownTimer(after: masterDownInterval, cause: .silence, now: now, &out)
        case .master:
            guard !configuration.preempts, gone >= masterDownInterval else { return }
            leaveMaster(to: .backup, reason: .carrierWasGone(gone), resign: true, &out)
            masterAdvertisementInterval = configuration.advertisementInterval
            enterBackup(now: now, &out)
        }
    }

    /// Routes a timer expiry; an expiry of a timer since re-armed or cancelled is ignored.
    mutating func timerFired(_ timer: VRRPTimer, now: VRRPInstant, _ out: inout [VRRPDirective]) {
        switch timer.kind {
        case .advertisement:
            guard timer == advertisementTimer else { return }
            advertisementTimer = nil
            advertisementTimerFired(now: now, &out)
        case .masterDown:
            guard timer == masterDownTimer else { return }
            masterDownTimer = nil
            masterDownTimerFired(now: now, &out)
        }
    }

    // MARK: Timers

    mutating func nextSerial() -> UInt64 {
        serial += 1
        return serial
    }

    /// Arms the timer of `kind` for `delay` from now, replacing any armed one.
    mutating func armTimer(
        _ kind: VRRPTimerKind, after delay: Duration, now: VRRPInstant, _ out: inout [VRRPDirective]
    ) {
        let timer = VRRPTimer(kind: kind, generation: nextSerial())
        switch kind {
        case .advertisement: advertisementTimer = timer
        case .masterDown: masterDownTimer = timer
        }
        out.append(.armTimer(timer, deadline: now + delay))
    }

    /// Cancels the timer of `kind` if one is armed.
    mutating func cancelTimer(_ kind: VRRPTimerKind, _ out: inout [VRRPDirective]) {
        switch kind {
        case .advertisement:
            guard advertisementTimer != nil else { return }
            advertisementTimer = nil
        case .masterDown:
            guard masterDownTimer != nil else { return }
            masterDownTimer = nil
        }
        out.append(.cancelTimer(kind))
    }

    /// An advertisement from this router at `priority` (our current one unless resigning).
    func advertisement(priority: UInt8) -> VRRPAdvertisement {
        VRRPAdvertisement(
            packet: VRRPPacket(
                virtualRouterID: configuration.virtualRouterID, priority: priority,
                maximumAdvertisementIntervalCentiseconds: configuration.advertisementIntervalCentiseconds,
                addresses: configuration.virtualAddresses),
            source: configuration.primaryAddress)
    }

    func sendAdvertisement(priority advertised: UInt8? = nil, _ out: inout [VRRPDirective]) {
        out.append(.sendAdvertisement(advertisement(priority: advertised ?? priority)))
    }
}
