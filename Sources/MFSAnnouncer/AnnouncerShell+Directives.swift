import VRRPCore

/// A run of gratuitous ARPs still to send: `GARP_COUNT` rounds `GARP_INTERVAL_MS` apart.
struct ARPBurst: Hashable {
    var addresses: [IPv4Address]
    var remaining: Int
    var next: VRRPInstant
}

/// Performing the core's directives (the duties on `VRRPDirective`).
extension AnnouncerShell {
    func perform(_ directive: VRRPDirective, now: VRRPInstant) {
        switch directive {
        case .transition(let transition): record(transition)
        case .sendAdvertisement(let advertisement): send(advertisement, now: now)
        case .runPromoteHook(let id): queueHook(.promote(id, reason: lastReason), now: now)
        case .addAddresses(let addresses): addAddresses(addresses)
        case .sendGratuitousARP(let addresses): startARPBurst(addresses, now: now)
        case .removeAddresses(let addresses): removeAddresses(addresses)
        case .runDemoteHook: queueHook(.demote(reason: lastReason), now: now)
        case .armTimer(let timer, let deadline): timers[timer.kind] = (timer, deadline)
        case .cancelTimer(let kind): timers[kind] = nil
        case .rejected(let rejection): rejected(rejection, now: now)
        case .addressListMismatch(let source, let advertised):
            count("address_list_mismatch")
            logLimited(
                "\(source)|addresses", now: now,
                "advertisement from \(source) lists \(advertised.map(\.description).joined(separator: ", ")), "
                    + "ours are \(settings.virtualIPs.map(\.address.description).joined(separator: ", ")) "
                    + "(RFC 5798 §7.1; processed anyway)")
        }
    }

    /// Duty 7: every transition is logged with its reason and kept for `--status`.
    func record(_ transition: VRRPTransition) {
        lastReason = "\(transition.reason)"
        let level: LogLevel = transition.to == .master || transition.from == .master ? .notice : .info
        log.log(level, "\(transition.from) → \(transition.to): \(transition.reason)")
        status.record(
            AnnouncerStatus.Transition(
                time: wallClock(), from: "\(transition.from)", to: "\(transition.to)", reason: lastReason))
        count("transitions_to_\(transition.to)")
        statusGeneration += 1
    }

    /// Duty 4: a failed send is logged (rate-limited) and counted, not reported.
    func send(_ advertisement: VRRPAdvertisement, now: VRRPInstant) {
        do {
            try io.sendAdvertisement(advertisement)
            count(advertisement.priority == 0 ? "adverts_sent_priority_0" : "adverts_sent")
        } catch {
            count("advert_send_failures")
            logLimited("send", now: now, "sending an advertisement failed: \(error)")
        }
    }

    /// Duty 5: adding an address that is there is a success; a failure is logged and counted.
    func addAddresses(_ addresses: [IPv4Address]) {
        for vip in virtualIPs(addresses) {
            do {
                try io.addAddress(vip)
                log.log(.notice, "added \(vip) to \(settings.interface)")
            } catch {
                count("address_add_failures")
                log.log(.error, "adding \(vip) to \(settings.interface) failed: \(error)")
            }
        }
    }

    /// Duty 5; also stops announcing addresses we no longer hold.
    func removeAddresses(_ addresses: [IPv4Address]) {
        arpBurst = nil
        for vip in virtualIPs(addresses) {
            do {
                try io.removeAddress(vip)
                log.log(.info, "removed \(vip) from \(settings.interface) (if present)")
            } catch {
                count("address_remove_failures")
                log.log(.error, "removing \(vip) from \(settings.interface) failed: \(error)")
            }
        }
    }

    /// The configured entries (with their prefixes) for addresses the core names.
    func virtualIPs(_ addresses: [IPv4Address]) -> [VirtualIPAddress] {
        addresses.map { address in
            settings.virtualIPs.first { $0.address == address } ?? VirtualIPAddress(address: address, prefixLength: 32)
        }
    }

    /// Duty 6: the first round at once, the others `GARP_INTERVAL_MS` apart. A new request
    /// restarts the count.
    func startARPBurst(_ addresses: [IPv4Address], now: VRRPInstant) {
        log.log(
            .info,
            "announcing \(addresses.map(\.description).joined(separator: ", ")) with gratuitous ARPs "
                + "(\(settings.gratuitousARPCount) × \(settings.gratuitousARPInterval.milliseconds) ms)")
        arpBurst = ARPBurst(addresses: addresses, remaining: settings.gratuitousARPCount, next: now)
        continueARPBurst(now: now)
    }

    func continueARPBurst(now: VRRPInstant) {
        while var burst = arpBurst, burst.next <= now, burst.remaining > 0 {
            for address in burst.addresses {
                do {
                    try io.sendGratuitousARP(for: address)
                    count("gratuitous_arps_sent")
                } catch {
                    count("gratuitous_arp_failures")
                    logLimited("arp", now: now, "gratuitous ARP for \(address) failed: \(error)")
                }
            }
            burst.remaining -= 1
            burst.next = now + settings.gratuitousARPInterval
            arpBurst = burst.remaining > 0 ? burst : nil
        }
    }

    /// Duty 7: counted under the rejection's label, logged per source and reason at a limited rate.
    func rejected(_ rejection: VRRPRejection, now: VRRPInstant) {
        count("rejected_\(rejection.label)")
        guard rejection.shouldLog else { return }
        let source = currentSource.map(\.description) ?? "?"
        logLimited("\(source)|\(rejection.label)", now: now, "rejected a packet from \(source): \(rejection)")
    }
}
