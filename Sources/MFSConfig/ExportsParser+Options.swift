extension ExportsParser {
    /// Applies one known option; `value` is the text after `=`, nil when there was no `=`.
    func apply(_ name: String, _ value: Substring?, to rule: inout ExportRule, at: ConfigLocation, errors: inout ErrorCollector) {
        let flags: Set = ["ro", "readonly", "rw", "readwrite", "alldirs", "ignoregid", "dynamicip", "admin"]
        if flags.contains(name) {
            guard value == nil else {
                errors.add(.badOption(at, option: name, reason: "takes no value"))
                return
            }
            applyFlag(name, to: &rule)
            return
        }
        guard let value else {
            errors.add(.badOption(at, option: name, reason: "needs a value: \(name)=..."))
            return
        }
        do {
            try applyValue(name, value, to: &rule, at: at)
        } catch {
            errors.add(error)
        }
    }

    private func applyFlag(_ name: String, to rule: inout ExportRule) {
        switch name {
        case "ro", "readonly": rule.readOnly = true
        case "rw", "readwrite": rule.readOnly = false
        case "alldirs": rule.allDirectories = true
        case "ignoregid": rule.ignoreGID = true
        case "dynamicip": rule.dynamicIP = true
        case "admin": rule.admin = true
        default: preconditionFailure("option \(name) is not a flag")
        }
    }

    private func applyValue(_ name: String, _ value: Substring, to rule: inout ExportRule, at: ConfigLocation)
        throws(ConfigError)
    {
        switch name {
        case "maproot":
            rule.rootMapping = try mapping(value, option: name, at: at)
        case "mapall":
            rule.allMapping = try mapping(value, option: name, at: at)
        case "password":
            guard !value.isEmpty else { throw .emptyPassword(at) }
            rule.passwordDigest = passwordDigest(String(value))
            rule.password = Array(value.utf8)
        case "md5pass":
            throw .md5PasswordUnsupported(at)
        case "minversion":
            guard let version = ExportVersion.parse(value) else {
                throw .badOption(at, option: name, reason: "expected a version X, X.Y or X.Y.Z (each 0...255)")
            }
            rule.minVersion = version
        case "mingoal":
            rule.minGoal = try goal(value, option: name, at: at)
        case "maxgoal":
            rule.maxGoal = try goal(value, option: name, at: at)
        case "mintrashtime", "mintrashretention":
            rule.minTrashTimeSeconds = try trashTime(value, option: name, at: at)
        case "maxtrashtime", "maxtrashretention":
            rule.maxTrashTimeSeconds = try trashTime(value, option: name, at: at)
        default:
            preconditionFailure("option \(name) has no handler")
        }
    }

    /// A goal: one digit 1...9 (MooseFS's rule). Other numbers are out of range; anything else
    /// is malformed.
    private func goal(_ value: Substring, option: String, at: ConfigLocation) throws(ConfigError) -> UInt8 {
        guard ConfigText.isDigits(value) else {
            throw .badOption(at, option: option, reason: "expected a goal, a digit 1...9")
        }
        guard value.utf8.count == 1, let digit = UInt8(value), digit >= 1 else {
            throw .goalOutOfRange(at, option: option, value: String(value))
        }
        return digit
    }

    /// MooseFS's TIMEDURATION: plain seconds (`86400`), or numbers with units `w`, `d`, `h`,
    /// `m`, `s` in that order, each at most once, any case (`2h30m`); at most 4294967295 seconds.
    private func trashTime(_ value: Substring, option: String, at: ConfigLocation) throws(ConfigError) -> UInt32 {
        let malformed = ConfigError.badOption(
            at, option: option, reason: "expected seconds, or #w#d#h#m#s with units in that order, at most 4294967295 seconds")
        let units: [(letter: Character, seconds: UInt64)] = [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        guard !value.isEmpty else { throw malformed }
        if ConfigText.isDigits(value) {
            guard value.utf8.count <= 10, let seconds = UInt32(value) else { throw malformed }
            return seconds
        }
        var rest = value.lowercased()[...]
        var total: UInt64 = 0
        var nextUnit = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 10, let count = UInt64(digits) else { throw malformed }
            rest = rest[digits.endIndex...]
            guard let letter = rest.first,
                let position = units[nextUnit...].firstIndex(where: { $0.letter == letter })
            else { throw malformed }
            rest = rest.dropFirst()
            nextUnit = position + 1
            total += count * units[position].seconds  // at most 9999999999 * 604800: fits in UInt64
            guard total <= UInt64(UInt32.max) else { throw malformed }
        }
        return UInt32(total)
    }

    /// `USER[:GROUP]` as numbers, or names looked up through the resolver. Without a group,
    /// the user's primary group: for a name from the resolver, for uid 0 always 0, for another
    /// uid from the resolver (MooseFS asks the passwd database the same way).
    private func mapping(_ value: Substring, option: String, at: ConfigLocation) throws(ConfigError) -> IDMapping {
        let colon = value.firstIndex(of: ":")
        let userText = value[..<(colon ?? value.endIndex)]
        let groupText = colon.map { value[value.index(after: $0)...] }
        guard !userText.isEmpty, groupText?.isEmpty != true else {
            throw .badOption(at, option: option, reason: "expected \(option)=USER or \(option)=USER:GROUP")
        }
        var gid: UInt32?
        if let groupText { gid = try groupID(groupText, option, at) }
        if let uid = try numericID(userText, "uid", option, at) {
            if let gid { return IDMapping(uid: uid, gid: gid) }
            if uid == 0 { return IDMapping(uid: 0, gid: 0) }
            guard let resolver else {
                throw .badOption(at, option: option, reason: "give the group too (\(option)=\(uid):GID): no user database here")
            }
            guard let primary = resolver.primaryGroup(uid) else {
                throw .badOption(at, option: option, reason: "no user with uid \(uid) to take the group from; write \(option)=\(uid):GID")
            }
            return IDMapping(uid: uid, gid: primary)
        }
        guard let resolver else {
            throw .badOption(at, option: option, reason: "user names need a user database; give a numeric uid")
        }
        guard let user = resolver.user(String(userText)) else {
            throw .badOption(at, option: option, reason: "no user named \(ConfigText.quoted(userText))")
        }
        return IDMapping(uid: user.uid, gid: gid ?? user.gid)
    }

    private func groupID(_ text: Substring, _ option: String, _ at: ConfigLocation) throws(ConfigError) -> UInt32 {
        if let gid = try numericID(text, "gid", option, at) { return gid }
        guard let resolver else {
            throw .badOption(at, option: option, reason: "group names need a group database; give a numeric gid")
        }
        guard let gid = resolver.group(String(text)) else {
            throw .badOption(at, option: option, reason: "no group named \(ConfigText.quoted(text))")
        }
        return gid
    }

    /// A decimal id, or nil for a name; a number too large for 32 bits is an error rather than
    /// a name or a wrapped-around id.
    private func numericID(_ text: Substring, _ kind: String, _ option: String, _ at: ConfigLocation) throws(ConfigError)
        -> UInt32?
    {
        guard ConfigText.isDigits(text) else { return nil }
        guard text.utf8.count <= 10, let id = UInt32(text) else {
            throw .badOption(at, option: option, reason: "\(kind) \(text) is above \(UInt32.max)")
        }
        return id
    }
}
