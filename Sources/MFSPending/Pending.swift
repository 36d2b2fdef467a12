#if canImport(Glibc)
    import Glibc
#endif

/// Issue that will deliver each executable that is not built yet.
private let deliveringIssue: [String: String] = [
    "mfsmaster": "mfsmaster as a server (issue 3)",
    "mfsmetalogger": "mfsmetalogger and the follower (issue 4)",
    "mfschunkserver": "chunkservers (a later phase)",
    "mfsmount": "the FUSE mount (a later phase)",
    "mfs": "the client tools (issue 3)",
]

/// Says that `name` is not built yet and exits 1, so nothing pretends to work.
public func exitNotBuiltYet(_ name: String) -> Never {
    let what = deliveringIssue[name] ?? "a later issue"
    let message = "\(name): not built yet in this version of swift-mfs; it comes with \(what).\n"
    _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    exit(1)
}
