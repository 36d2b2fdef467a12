/// The parsed `mfsexports.cfg`: the rules the master admits clients by (DESIGN §8).
///
/// Which line applies when several cover a client follows MooseFS (`exports_check` in
/// `mfsmaster/exports.c`), not "first match wins": among the lines that cover the client's
/// address, directory and version, and whose password (if any) the client proved, the master
/// takes the most generous one, preferring in turn read-write over read-only, root unmapped
/// over mapped, `admin`, a password-protected line, and a deeper directory; ties go to the
/// earlier line. So `* / ro` followed by `10.0.0.0/8 / rw` gives clients in 10/8 read-write,
/// as it does under MooseFS. (MooseFS applies these tests pairwise in file order, which only
/// differs in files where one line is better in one respect and worse in an earlier one.)
public struct Exports: Hashable, Sendable {
    /// The file the rules came from, for logs.
    public var file: String
    /// The rules in file order.
    public var rules: [ExportRule]

    public init(file: String, rules: [ExportRule]) {
        self.file = file
        self.rules = rules
    }

    /// Parses `mfsexports.cfg` text; see ``parse(bytes:file:resolver:)``.
    public static func parse(_ text: String, file: String, resolver: IdentityResolver? = nil) throws(ConfigErrors)
        -> Exports
    {
        try parse(bytes: Array(text.utf8), file: file, resolver: resolver)
    }

    /// Parses `mfsexports.cfg`: lines `ADDRESS DIRECTORY [OPTIONS]`, `#` comments, every error
    /// reported with its line. `resolver` turns user and group names into ids; without it only
    /// numeric ids are accepted. An empty file admits nobody.
    public static func parse(bytes: [UInt8], file: String, resolver: IdentityResolver? = nil) throws(ConfigErrors)
        -> Exports
    {
        var errors = ErrorCollector()
        let parser = ExportsParser(resolver: resolver)
        var rules: [ExportRule] = []
        SourceText.forEachLine(in: bytes, file: file, errors: &errors) { line, errors in
            if let rule = parser.rule(from: line, errors: &errors) { rules.append(rule) }
        }
        try errors.throwIfAny()
        return Exports(file: file, rules: rules)
    }

    /// The rules covering this client, in file order, ignoring passwords (for diagnostics:
    /// "which lines apply to 10.0.0.7?").
    public func covering(address: IPv4Address, directory: ExportDirectory, clientVersion: ExportVersion? = nil)
        -> [ExportRule]
    {
        rules.filter { $0.covers(address: address, directory: directory, clientVersion: clientVersion) }
    }

    /// Decides whether a client at `address` may mount `directory`, and with which rule. `proof`
    /// is the client's answer to this connection's challenge, if it gave a password.
    public func admit(
        address: IPv4Address, directory: ExportDirectory, clientVersion: ExportVersion? = nil, proof: PasswordProof? = nil
    ) -> ExportDecision {
        admit(address: address, directory: directory, clientVersion: clientVersion, proofGiven: proof != nil) { $0.accepts(proof) }
    }

    /// The same decision with the password check left to `accepts` (whether the client proved
    /// a line's password, true for lines without one): MooseFS's client dialect proves it
    /// with MD5 instead of our HMAC. `proofGiven`: whether the client answered a challenge.
    public func admit(
        address: IPv4Address, directory: ExportDirectory, clientVersion: ExportVersion?, proofGiven: Bool,
        accepts: (ExportRule) -> Bool
    ) -> ExportDecision {
        var best: ExportRule?
        var passwordFailed = false
        for rule in covering(address: address, directory: directory, clientVersion: clientVersion) {
            guard accepts(rule) else {
                passwordFailed = true
                continue
            }
            if let current = best, !Exports.isPreferred(rule, over: current) { continue }
            best = rule
        }
        if let best { return .admitted(best) }
        if passwordFailed { return proofGiven ? .badPassword : .passwordRequired }
        return .denied
    }

    /// MooseFS's preference order, as a strict ranking; equal rank keeps the earlier line.
    private static func isPreferred(_ candidate: ExportRule, over current: ExportRule) -> Bool {
        func rank(_ rule: ExportRule) -> [Int] {
            [
                rule.readOnly ? 0 : 1, rule.rootIsMapped ? 0 : 1, rule.admin ? 1 : 0, rule.requiresPassword ? 1 : 0,
                rule.directory.depth,
            ]
        }
        return rank(current).lexicographicallyPrecedes(rank(candidate))
    }
}

/// The outcome of ``Exports/admit(address:directory:clientVersion:proof:)``, mapping to
/// MooseFS's statuses: OK, NOPASSWORD, BADPASSWORD, EACCES.
public enum ExportDecision: Hashable, Sendable {
    /// Admitted; the rule holds what the session gets (read-only, mappings, goal limits).
    case admitted(ExportRule)
    /// Only password-protected lines cover the client, and it sent no proof: ask for one.
    case passwordRequired
    /// Only password-protected lines cover the client, and its proof did not verify.
    case badPassword
    /// No line covers the client.
    case denied
}
