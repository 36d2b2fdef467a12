import MFSTestSupport
import Testing

/// Every daemon answers `--help` with its usage alone on the standard output and status 0, and
/// an unknown option with its name, the option and the usage on the standard error and status 2.
@Suite struct DaemonHelpTests {
    static let daemons = ["mfsmaster", "mfschunkserver", "mfsmetalogger", "mfsannouncer"]

    @Test(arguments: daemons) func helpPrintsTheUsageAloneOnTheStandardOutput(daemon: String) throws {
        let r = try runBinary(daemon, ["--help"])
        #expect(r.status == 0, "\(r)")
        #expect(r.out.hasPrefix("usage: \(daemon) "), "\(r)")
        #expect(r.err.isEmpty, "\(r)")
    }

    @Test(arguments: daemons) func anUnknownOptionIsNamedWithTheUsageOnTheStandardError(daemon: String) throws {
        let r = try runBinary(daemon, ["--nonsense"])
        #expect(r.status == 2, "\(r)")
        #expect(r.out.isEmpty, "\(r)")
        #expect(r.err.hasPrefix("\(daemon): ") && r.err.contains("--nonsense") && r.err.contains("usage: \(daemon) "), "\(r)")
    }
}
