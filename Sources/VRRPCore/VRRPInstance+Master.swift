/// The Master state (RFC 5798 §6.4.3) and the way into and out of it.
extension VRRPInstance {
    /// Backup → Master (§6.4.2), reported with `reason`.
    mutating func becomeMaster(reason: VRRPTransitionReason, now: VRRPInstant, _ out: inout [VRRPDirective]) {
        out.append(.transition(VRRPTransition(from: state, to: .master, reason: reason)))
        enterMaster(now: now, &out)
    }

    /// The actions of becoming master (§6.4.1 for the owner, §6.4.2 for a backup), after the
    /// transition was reported. The RFC's "broadcast a gratuitous ARP" waits for the promote
    /// hook: the addresses are added, then announced, only once the local master is ready to
    /// serve them.
    mutating func enterMaster(now: VRRPInstant, _ out: inout [VRRPDirective]) {
        cancelTimer(.masterDown, &out)
        state = .master
        lowerPriorityMasterSince = nil
        let promotion = VRRPPromotionID(rawValue: nextSerial())
        masterPhase = .promoting(promotion)
        // §6.4.1, §6.4.2: "Send an ADVERTISEMENT ... Set the Adver_Timer to
        // Advertisement_Interval". Advertising before the hook ends keeps the other backups
        // from taking over too while it runs.
        sendAdvertisement(&out)
        armTimer(.advertisement, after: configuration.advertisementInterval, now: now, &out)
        out.append(.runPromoteHook(promotion))
    }

    /// §6.4.3: "If the Adver_Timer fires, then: Send an ADVERTISEMENT; Reset the Adver_Timer to
    /// Advertisement_Interval".
    mutating func advertisementTimerFired(now: VRRPInstant, _ out: inout [VRRPDirective]) {
        guard state == .master else { return }
        sendAdvertisement(&out)
        armTimer(.advertisement, after: configuration.advertisementInterval, now: now, &out)
    }

    /// The promote hook ended. A result for a promotion the core no longer waits for is ignored:
    /// the demote hook was already asked for when it left Master.
    mutating func promoteHookFinished(
        _ promotion: VRRPPromotionID, _ result: VRRPHookResult, now: VRRPInstant, _ out: inout [VRRPDirective]
    ) {
        guard state == .master, pendingPromotion == promotion else { return }
        switch result {
        case .success:
            failedPromotions = 0
            notYetPromotions = 0
            promoteRetryAt = nil
            masterPhase = .serving
            out.append(.addAddresses(configuration.virtualAddresses))
            out.append(.sendGratuitousARP(configuration.virtualAddresses))
        case .notYet(let why) where notYetPromotions < VRRPLimits.notYetBeforeBackoff:
            notYetPromotions += 1
            promoteRetryAt = nil
            leaveMaster(to: .backup, reason: .promoteHookNotYet(why), resign: true, &out)
            masterAdvertisementInterval = configuration.advertisementInterval
            enterBackup(now: now, &out)
        case .failure(let why), .notYet(let why):
            failedPromotions += 1
            let backoff = Self.promoteBackoff(afterFailures: failedPromotions)
            promoteRetryAt = backoff > .zero ? now + backoff : nil
            leaveMaster(to: .backup, reason: .promoteHookFailed(why), resign: true, &out)
            masterAdvertisementInterval = configuration.advertisementInterval
            enterBackup(now: now, &out)
        }
    }

    /// §6.4.3: "If an ADVERTISEMENT is received, then ...".
    mutating func masterReceived(
        _ packet: VRRPPacket, source: IPv4Address, now: VRRPInstant, _ out: inout [VRRPDirective]
    ) {
        if packet.priority == 0 {
            // §6.4.3: "If the Priority in the ADVERTISEMENT is zero, then: Send an ADVERTISEMENT;
            // Reset the Adver_Timer to Advertisement_Interval". Another master resigning means
            // there were two: re-announce the addresses too (extension, DESIGN §7.5).
            answerOtherMaster(now: now, &out)
            return
        }
        // §6.4.3: "If the Priority in the ADVERTISEMENT is greater than the local Priority or
        // the Priority in the ADVERTISEMENT is equal to the local Priority and the primary IPvX
        // Address of the sender is greater than the local primary IPvX Address, then ...
        // Transition to the Backup state".
        if packet.priority > priority {
            yield(to: packet, reason: .higherPriorityMaster(source, priority: packet.priority), now: now, &out)
        } else if packet.priority == priority && source > configuration.primaryAddress {
            yield(to: packet, reason: .equalPriorityHigherAddress(source), now: now, &out)
        } else {
            // §6.4.3 says "discard the ADVERTISEMENT". Extension (DESIGN §7.5): a master we
            // outrank means a split brain just healed and clients may hold the loser's MAC
            // (51 s measured with keepalived). Answer at once, so the loser yields now rather
            // than at our next tick, and re-announce the addresses.
            answerOtherMaster(now: now, &out)
        }
    }

    /// Sends an advertisement at once, re-arms the Adver_Timer, and re-announces the addresses
    /// if they are held.
    mutating func answerOtherMaster(now: VRRPInstant, _ out: inout [VRRPDirective]) {
        sendAdvertisement(&out)
        armTimer(.advertisement, after: configuration.advertisementInterval, now: now, &out)
        if holdsVirtualAddresses { out.append(.sendGratuitousARP(configuration.virtualAddresses)) }
    }

    /// §6.4.3: "Cancel Adver_Timer; Set Master_Adver_Interval to Adver Interval contained in the
    /// ADVERTISEMENT; Recompute the Skew_Time; Recompute the Master_Down_Interval; Set
    /// Master_Down_Timer to Master_Down_Interval; Transition to the Backup state".
    ///
    /// Extension (DESIGN §7.5): one last advertisement at our own priority as we leave. In a
    /// healed split the winner's first advertisement may cross ours; without this one the
    /// winner would never hear a lower priority, never re-announce the addresses, and clients
    /// would keep our MAC address until their ARP entries expire.
    mutating func yield(
        to packet: VRRPPacket, reason: VRRPTransitionReason, now: VRRPInstant, _ out: inout [VRRPDirective]
    ) {
        leaveMaster(to: .backup, reason: reason, resign: false, &out)
        masterAdvertisementInterval = packet.maximumAdvertisementInterval
        enterBackup(now: now, &out)
    }

    /// Master → `newState`: stop advertising, advertise one last time (priority 0 when
    /// resigning, §6.4.3 shutdown; else our own, when yielding: see `yield`), remove the
    /// addresses if they were added, then ask for the demote hook.
    /// The hook runs even when the promote hook has not reported yet, because it may still
    /// succeed; the shell's hook queue runs the demote hook after it.
    mutating func leaveMaster(
        to newState: VRRPState, reason: VRRPTransitionReason, resign: Bool, _ out: inout [VRRPDirective]
    ) {
        precondition(state == .master, "leaveMaster in state \(state)")
        out.append(.transition(VRRPTransition(from: .master, to: newState, reason: reason)))
        cancelTimer(.advertisement, &out)
        sendAdvertisement(priority: resign ? VRRPLimits.resignPriority : nil, &out)
        if holdsVirtualAddresses { out.append(.removeAddresses(configuration.virtualAddresses)) }
        out.append(.runDemoteHook)
        masterPhase = nil
        state = newState
    }
}
