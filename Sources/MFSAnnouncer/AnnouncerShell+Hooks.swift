import VRRPCore

/// A hook asked for by the core, waiting its turn.
enum HookJob: Hashable {
    case promote(VRRPPromotionID, reason: String)
    case demote(reason: String)

    var kind: HookKind {
        switch self {
        case .promote: .promote
        case .demote: .demote
        }
    }

    var reason: String {
        switch self {
        case .promote(_, let reason), .demote(let reason): reason
        }
    }
}

/// The hook process that runs now.
struct RunningHook: Hashable {
    var job: HookJob
    var processID: Int32
    var startedAt: VRRPInstant
    /// HOOK_TIMEOUT after the start; after a kill, the time to give up waiting for the exit.
    var deadline: VRRPInstant
    var timedOut = false
}

/// Duty 2: hooks run one at a time in the order asked, each with `HOOK_TIMEOUT`; every promote
/// hook is reported exactly once.
extension AnnouncerShell {
    /// How long to wait for a killed hook's exit before moving on without it.
    static let killGrace: Duration = .seconds(1)

    func queueHook(_ job: HookJob, now: VRRPInstant) {
        hookQueue.append(job)
        startNextHook(now: now)
    }

    func startNextHook(now: VRRPInstant) {
        while runningHook == nil, !hookQueue.isEmpty {
            let job = hookQueue.removeFirst()
            guard let command = job.kind == .promote ? settings.promoteHook : settings.demoteHook else {
                // No hook configured: promotion succeeds at once; nothing to demote.
                if case .promote(let id, _) = job { enqueue(.promoteHookFinished(id, .success)) }
                continue
            }
            do {
                let processID = try io.startHook(command, environment: environment(for: job))
                runningHook = RunningHook(job: job, processID: processID, startedAt: now, deadline: now + settings.hookTimeout)
                log.log(.info, "\(job.kind) hook started (pid \(processID)): \(command)")
            } catch {
                count("hook_failures")
                log.log(.error, "\(job.kind) hook could not be started: \(error)")
                if case .promote(let id, _) = job { enqueue(.promoteHookFinished(id, .failure("could not start: \(error)"))) }
            }
        }
    }

    func environment(for job: HookJob) -> [String: String] {
        [
            "MFS_ANNOUNCER_EVENT": job.kind.rawValue,
            "MFS_ANNOUNCER_VRID": "\(settings.virtualRouterID)",
            "MFS_ANNOUNCER_INTERFACE": settings.interface,
            "MFS_ANNOUNCER_VIRTUAL_IPS": settings.virtualIPs.map(\.description).joined(separator: ","),
            "MFS_ANNOUNCER_REASON": job.reason,
        ]
    }

    func hookDeadlinePassed(_ running: RunningHook, now: VRRPInstant) {
        if running.timedOut {
            // SIGKILL did not end it within the grace (a process in uninterruptible sleep):
            // report it and go on; a late exit is ignored.
            log.log(.error, "\(running.job.kind) hook (pid \(running.processID)) survived SIGKILL; going on without it")
            finishHook(running, .failure("timed out after \(settings.hookTimeout) and did not die"), now: now)
            return
        }
        log.log(
            .error, "\(running.job.kind) hook (pid \(running.processID)) timed out after \(settings.hookTimeout): killing its process group"
        )
        io.killHookProcessGroup(running.processID)
        var killed = running
        killed.timedOut = true
        killed.deadline = now + Self.killGrace
        runningHook = killed
    }

    func finishHook(_ running: RunningHook, _ result: VRRPHookResult, now: VRRPInstant) {
        runningHook = nil
        let elapsed = now - running.startedAt
        if case .failure = result { count("hook_failures") }
        let level: LogLevel = {
            switch result {
            case .success: .info
            case .notYet: .notice
            case .failure: .error
            }
        }()
        log.log(
            level,
            "\(running.job.kind) hook (pid \(running.processID)) \(result) after \(elapsed.milliseconds) ms")
        status.record(
            AnnouncerStatus.HookRun(
                kind: running.job.kind, time: wallClock(), milliseconds: elapsed.milliseconds, result: "\(result)"))
        statusGeneration += 1
        if case .promote(let id, _) = running.job { enqueue(.promoteHookFinished(id, result)) }
        startNextHook(now: now)
        drain(now: now)
    }
}
