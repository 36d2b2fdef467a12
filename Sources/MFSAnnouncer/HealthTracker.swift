/// Turns `TRACK_MASTER` answers into a verdict with hysteresis: `fall` unhealthy answers in a
/// row make it unhealthy, `rise` healthy ones healthy again. The first answer decides at once
/// (until then the verdict is unknown and the announcer does not stand for master).
public struct HealthTracker: Hashable, Sendable {
    public let fall: Int
    public let rise: Int
    /// nil until the first answer.
    public private(set) var healthy: Bool? = nil
    private var streak = 0

    public init(fall: Int, rise: Int) {
        precondition(fall >= 1 && rise >= 1, "fall \(fall), rise \(rise)")
        self.fall = fall
        self.rise = rise
    }

    /// Records one answer; returns the new verdict when it changed.
    public mutating func observe(healthy answer: Bool) -> Bool? {
        guard let current = healthy else {
            healthy = answer
            return answer
        }
        guard answer != current else {
            streak = 0
            return nil
        }
        streak += 1
        guard streak >= (answer ? rise : fall) else { return nil }
        streak = 0
        healthy = answer
        return answer
    }
}
