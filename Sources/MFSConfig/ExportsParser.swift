/// Parses the lines of `mfsexports.cfg` (see ``Exports``). Every problem on a line is reported,
/// not just the first, so the operator can fix the line in one go.
struct ExportsParser {
    let resolver: IdentityResolver?

    /// The rule on `line`, or nil after reporting what is wrong with it.
    func rule(from line: SourceLine, errors: inout ErrorCollector) -> ExportRule? {
        let fields = line.text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 2 else {
            errors.add(.malformedLine(line.location, reason: "expected ADDRESS DIRECTORY [OPTIONS]"))
            return nil
        }
        guard fields.count <= 3 else {
            let reason = "unexpected text after the options (options are one comma-separated word, without spaces)"
            errors.add(.malformedLine(line.location, reason: reason))
            return nil
        }
        var valid = true
        var addresses = IPv4Range.any
        var directory = ExportDirectory.root
        do {
            addresses = try IPv4Range.parseExportAddress(fields[0])
        } catch {
            errors.add(.badAddress(line.location, address: String(fields[0]), reason: error.detail ?? "bad form"))
            valid = false
        }
        do {
            directory = try ExportDirectory.parse(fields[1])
        } catch {
            errors.add(.badDirectory(line.location, directory: String(fields[1]), reason: error.detail ?? "bad form"))
            valid = false
        }
        var rule = ExportRule(line: line.location.line, addresses: addresses, directory: directory)
        if fields.count == 3 {
            let before = errors.errors.count + errors.omitted
            apply(options: fields[2], to: &rule, at: line.location, errors: &errors)
            valid = valid && errors.errors.count + errors.omitted == before
        }
        return valid ? rule : nil
    }
}

extension ExportsParser {
    /// The options accepted: MooseFS 3's, plus MooseFS 4's names for the trash times
    /// (`mintrashretention`, `maxtrashretention`). MooseFS 4's `umask`, `sclassgroups` and
    /// `disable` are unknown options. Aliases share a group, so `ro,rw` is a conflict rather than
    /// a silent last-one-wins.
    static let optionGroups: [String: String] = [
        "ro": "access", "readonly": "access", "rw": "access", "readwrite": "access",
        "alldirs": "alldirs", "ignoregid": "ignoregid", "dynamicip": "dynamicip", "admin": "admin",
        "maproot": "maproot", "mapall": "mapall", "password": "password", "md5pass": "password",
        "minversion": "minversion", "mingoal": "mingoal", "maxgoal": "maxgoal",
        "mintrashtime": "mintrash", "mintrashretention": "mintrash",
        "maxtrashtime": "maxtrash", "maxtrashretention": "maxtrash",
    ]

    /// Option names in the order suggestions prefer them.
    static let optionNames = [
        "ro", "readonly", "rw", "readwrite", "alldirs", "ignoregid", "dynamicip", "admin", "maproot", "mapall",
        "password", "md5pass", "minversion", "mingoal", "maxgoal", "mintrashtime", "maxtrashtime",
        "mintrashretention", "maxtrashretention",
    ]

    private func apply(options: Substring, to rule: inout ExportRule, at: ConfigLocation, errors: inout ErrorCollector) {
        var seen: [String: String] = [:]  // group -> the option that set it
        for option in options.split(separator: ",", omittingEmptySubsequences: false) {
            let equals = option.firstIndex(of: "=")
            let name = String(option[..<(equals ?? option.endIndex)])
            let value = equals.map { option[option.index(after: $0)...] }
            guard let group = ExportsParser.optionGroups[name] else {
                errors.add(.badOption(at, option: name, reason: unknownOptionReason(name)))
                continue
            }
            if let earlier = seen[group] {
                let reason = earlier == name ? "given twice on this line" : "conflicts with \(earlier) on this line"
                errors.add(.badOption(at, option: name, reason: reason))
                continue
            }
            seen[group] = name
            apply(name, value, to: &rule, at: at, errors: &errors)
        }
        if rule.minGoal > rule.maxGoal {
            errors.add(.badOption(at, option: "mingoal", reason: "mingoal \(rule.minGoal) is above maxgoal \(rule.maxGoal)"))
        }
        if rule.minTrashTimeSeconds > rule.maxTrashTimeSeconds {
            let reason = "mintrashtime \(rule.minTrashTimeSeconds)s is above maxtrashtime \(rule.maxTrashTimeSeconds)s"
            errors.add(.badOption(at, option: "mintrashtime", reason: reason))
        }
    }

    private func unknownOptionReason(_ name: String) -> String {
        if name.isEmpty { return "empty option (two commas in a row, or a comma at an end?)" }
        if let suggestion = Suggestion.closest(to: name.lowercased(), among: ExportsParser.optionNames) {
            return "unknown option; did you mean \(suggestion)?"
        }
        return "unknown option"
    }
}
