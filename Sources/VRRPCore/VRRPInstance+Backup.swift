/// The Backup state (RFC 5798 §6.4.2).
extension VRRPInstance {
    /// Starts a stay in Backup: §6.4.1 "Set the Master_Down_Timer to Master_Down_Interval".
    /// A router at priority 0 keeps no timer: it must not take over.
    mutating func enterBackup(now: VRRPInstant, _ out: inout [VRRPDirective]) {
        lowerPriorityMasterSince = nil
        guard priority > 0 else { return }
        armMasterDownTimer(after: masterDownInterval, cause: .silence, now: now, &out)
    }

    mutating func armMasterDownTimer(
        after delay: Duration, cause: MasterDownCause, now: VRRPInstant, _ out: inout [VRRPDirective]
    ) {
        masterDownCause = cause
        armTimer(.masterDown, after: delay, now: now, &out)
    }

    /// §6.4.2: "If the Master_Down_Timer fires, then: Send an ADVERTISEMENT ... Transition to
    /// the Master state".
    mutating func masterDownTimerFired(now: VRRPInstant, _ out: inout [VRRPDirective]) {
        guard state == .backup, priority > 0 else { return }
        // Extension: no carrier, nobody to serve; the carrier's return re-arms the timer.
        guard carrierLostAt == nil else { return }
        // Extension: after failed promote hooks, wait out the back-off before trying again.
        if let retry = promoteRetryAt, now < retry {
            armMasterDownTimer(after: retry - now, cause: masterDownCause, now: now, &out)
            return
        }
        let reason: VRRPTransitionReason =
            switch masterDownCause {
            case .silence: .masterDown
            case .masterResigned(let master): .masterResigned(master)
            case .preempting(let master, let priority): .preemptedLowerPriorityMaster(master, priority: priority)
            }
        becomeMaster(reason: reason, now: now, &out)
    }

    /// §6.4.2: "If an ADVERTISEMENT is received, then ...".
    mutating func backupReceived(
        _ packet: VRRPPacket, source: IPv4Address, now: VRRPInstant, _ out: inout [VRRPDirective]
    ) {
        if packet.priority == 0 {
            // §6.4.2: "If the Priority in the ADVERTISEMENT is zero, then: Set the
            // Master_Down_Timer to Skew_Time". A router at priority 0 may not take over.
            guard priority > 0 else { return }
            armMasterDownTimer(after: skewTime, cause: .masterResigned(source), now: now, &out)
        } else if acceptsMaster(priority: packet.priority, now: now) {
            // §6.4.2: "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT is
            // greater than or equal to the local Priority, then: Set Master_Adver_Interval to
            // Adver Interval contained in the ADVERTISEMENT; Recompute the Master_Down_Interval;
            // Reset the Master_Down_Timer to Master_Down_Interval".
            masterAdvertisementInterval = packet.maximumAdvertisementInterval
            guard priority > 0 else { return }
            armMasterDownTimer(after: masterDownInterval, cause: .silence, now: now, &out)
        } else {
            // §6.4.2: "Otherwise: Discard the ADVERTISEMENT". The Master_Down_Timer runs out
            // and this router takes over: that is preemption.
            masterDownCause = .preempting(source, priority: packet.priority)
        }
    }

    /// Whether a backup accepts a master advertising `advertised` (non-zero) as its master.
    /// §6.4.2: yes if Preempt_Mode is off or the master's priority is at least ours; the
    /// address owner always preempts (§6.1, Preempt_Mode). The preempt delay (see
    /// `VRRPInstance`) postpones the "no".
    mutating func acceptsMaster(priority advertised: UInt8, now: VRRPInstant) -> Bool {
        if advertised >= priority {
            lowerPriorityMasterSince = nil
            return true
        }
        guard configuration.preempts else { return true }
        // Extension: no preemption while failed promote hooks hold this router back.
        if promotionBackedOff(at: now) { return true }
        let since = lowerPriorityMasterSince ?? now
        lowerPriorityMasterSince = since
        return now - since < configuration.preemptDelay
    }
}
