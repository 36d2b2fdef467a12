#if canImport(Glibc)
    import Glibc
#endif

/// The I/O errors of one data directory within a sliding window: past `toleranceCount` errors
/// within `tolerancePeriod` the directory has failed and is taken out of use (MooseFS's
/// HDD_ERROR_TOLERANCE_COUNT 2 and HDD_ERROR_TOLERANCE_PERIOD 600 s: the third error within ten
/// minutes). Only errors that say the disk or its mount is going away count (`counts(errno:)`);
/// a full disk does not. Pure: times come in as arguments.
public struct DirectoryHealth: Hashable, Sendable {
    /// Errors tolerated within `tolerancePeriod`; one more fails the directory.
    public static let defaultToleranceCount = 2
    /// The window errors are counted in.
    public static let defaultTolerancePeriod = Duration.seconds(600)

    public let toleranceCount: Int
    public let tolerancePeriod: Duration
    /// When counted errors happened, oldest first, within the window.
    public private(set) var recent: [ContinuousClock.Instant] = []
    /// Every error ever recorded (counted or not), for reports.
    public private(set) var total = 0

    public init(toleranceCount: Int = defaultToleranceCount, tolerancePeriod: Duration = defaultTolerancePeriod) {
        self.toleranceCount = toleranceCount
        self.tolerancePeriod = tolerancePeriod
    }

    /// Whether an errno says the directory itself is failing: an I/O error, a file system turned
    /// read-only, files or the directory gone, access lost, a stale mount.
    public static func counts(errno code: Int32) -> Bool {
        [EIO, EROFS, ENOENT, ENOTDIR, EACCES, ESTALE, ENXIO, ENODEV].contains(code)
    }

    /// Records an error at `now`; true when the directory has now failed.
    public mutating func record(errno code: Int32, at now: ContinuousClock.Instant) -> Bool {
        total += 1
        guard Self.counts(errno: code) else { return false }
        recent.removeAll { now - $0 > tolerancePeriod }
        recent.append(now)
        return recent.count > toleranceCount
    }
}
