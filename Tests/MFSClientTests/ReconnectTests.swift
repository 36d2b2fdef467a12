import MFSClient
import MFSConfig
import Testing

@Suite struct ReconnectBackoffTests {
    @Test func delaysDoubleFromFiftyMillisecondsUpToTwoSeconds() {
        var backoff = ReconnectBackoff()
        // With the largest jitter the delay is the whole step.
        let steps = (0..<9).map { _ in backoff.nextDelay(jitter: 0.999_999) }
        let expected: [Duration] = [50, 100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000].map { .milliseconds($0) }
        for (step, limit) in zip(steps, expected) {
            #expect(step <= limit && step > limit * 0.99)
        }
    }

    @Test func jitterKeepsAtLeastHalfTheStep() {
        var backoff = ReconnectBackoff()
        #expect(backoff.nextDelay(jitter: 0) == .milliseconds(25))
        #expect(backoff.nextDelay(jitter: 0.5) == .milliseconds(75))
    }

    @Test func resetStartsOver() {
        var backoff = ReconnectBackoff()
        for _ in 0..<5 { _ = backoff.nextDelay(jitter: 0) }
        backoff.reset()
        #expect(backoff.nextDelay(jitter: 0) == .milliseconds(25))
    }
}

@Suite struct ReconnectPlanTests {
    let a = HostPort(host: "a", port: 9421)
    let b = HostPort(host: "b", port: 9421)

    @Test func aRoundTriesEveryAddressWithoutWaitingThenBacksOff() {
        var plan = ReconnectPlan(masters: [a, b])
        #expect(plan.nextAttempt(jitter: 0) == (a, .zero))
        #expect(!plan.roundComplete)
        #expect(plan.nextAttempt(jitter: 0) == (b, .zero))
        #expect(plan.roundComplete)
        #expect(plan.nextAttempt(jitter: 0) == (a, .milliseconds(25)))
        #expect(plan.nextAttempt(jitter: 0) == (b, .zero))
        #expect(plan.nextAttempt(jitter: 0) == (a, .milliseconds(50)))
    }

    @Test func theActiveMasterNamedByAFollowerIsTriedNext() {
        var plan = ReconnectPlan(masters: [a, b])
        _ = plan.nextAttempt(jitter: 0)
        plan.redirected(to: "c:9500")
        #expect(plan.nextAttempt(jitter: 0) == (HostPort(host: "c", port: 9500), .zero))
        #expect(plan.nextAttempt(jitter: 0) == (b, .zero))
    }

    @Test func onlyOneRedirectIsFollowedPerRound() {
        var plan = ReconnectPlan(masters: [a])
        _ = plan.nextAttempt(jitter: 0)
        plan.redirected(to: "c")
        #expect(!plan.roundComplete)
        #expect(plan.nextAttempt(jitter: 0).address == HostPort(host: "c", port: 9421))
        plan.redirected(to: "a")
        #expect(plan.roundComplete)
        #expect(plan.nextAttempt(jitter: 0) == (a, .milliseconds(25)))
    }

    @Test func anUnparsableRedirectIsIgnored() {
        var plan = ReconnectPlan(masters: [a, b])
        _ = plan.nextAttempt(jitter: 0)
        plan.redirected(to: "not an address")
        #expect(plan.nextAttempt(jitter: 0).address == b)
    }

    @Test func reasonsKeepTheLastFailurePerAddressInFirstFailureOrder() {
        var plan = ReconnectPlan(masters: [a, b])
        plan.failed(b, reason: "Connection refused")
        plan.failed(a, reason: "unknown host")
        plan.failed(b, reason: "connection timed out")
        #expect(plan.reasons == ["b:9421: connection timed out", "a:9421: unknown host"])
        plan.succeeded()
        #expect(plan.reasons.isEmpty)
    }
}
