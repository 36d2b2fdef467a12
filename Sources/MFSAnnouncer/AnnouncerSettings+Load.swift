import VRRPCore

extension AnnouncerSettings {
    /// Reads and checks `path`. Every error names the file, the line and what is wrong, and
    /// nothing on the network has been touched when it is thrown.
    public static func load(
        path: String, interfaces: some InterfaceDirectory = SystemInterfaceDirectory()
    ) throws(AnnouncerConfigError) -> AnnouncerSettings {
        try settings(from: ConfigValues(path: path, entries: ConfigFileReader.read(path: path)), interfaces: interfaces)
    }

    /// Checks the text of a configuration file as if read from `path`.
    public static func parse(
        _ text: String, path: String, interfaces: some InterfaceDirectory
    ) throws(AnnouncerConfigError) -> AnnouncerSettings {
        try settings(from: ConfigValues(path: path, entries: ConfigFileReader.parse(text, path: path)), interfaces: interfaces)
    }

    static func settings(
        from values: ConfigValues, interfaces: some InterfaceDirectory
    ) throws(AnnouncerConfigError) -> AnnouncerSettings {
        // RFC 5798 §5.2.3, §5.2.4, §5.2.7: the limits the wire can carry.
        let vrid = try values.integer("VRID", in: VRRPLimits.virtualRouterIDs)
        let priority = try values.integer("PRIORITY", in: VRRPLimits.configuredPriorities)
        let interval = try values.milliseconds("ADVERT_INTERVAL_MS", in: 10...40_950, multipleOf: 10)
        let virtualIPs = try values.virtualIPs("VIRTUAL_IPS")
        let (interface, index, primary) = try values.interface("INTERFACE", excluding: virtualIPs, in: interfaces)
        let settings = AnnouncerSettings(
            configPath: values.path, interface: interface, interfaceIndex: index, primaryAddress: primary,
            virtualRouterID: vrid, priority: priority, advertisementInterval: interval, virtualIPs: virtualIPs,
            preempt: try values.flag("PREEMPT"),
            preemptDelay: try values.seconds("PREEMPT_DELAY", maximum: VRRPLimits.maximumPreemptDelay),
            unicastPeers: try values.peers("UNICAST_PEERS", primary: primary),
            promoteHook: values.optionalText("PROMOTE_HOOK"), demoteHook: values.optionalText("DEMOTE_HOOK"),
            hookTimeout: try values.seconds("HOOK_TIMEOUT", maximum: .seconds(3600), allowZero: false),
            trackMaster: try values.trackMaster(),
            gratuitousARPCount: try values.integer("GARP_COUNT", in: 1...100),
            gratuitousARPInterval: try values.milliseconds("GARP_INTERVAL_MS", in: 0...10_000),
            statusFile: try values.absolutePath("STATUS_FILE"))
        do {
            _ = try settings.vrrpConfiguration()
        } catch {
            throw values.error("VIRTUAL_IPS", "\(error)")
        }
        return settings
    }
}

/// The raw values of one file with typed, checked accessors; each error names the key's line.
struct ConfigValues {
    var path: String
    var entries: [String: ConfigFileReader.Entry]

    func error(_ key: String, _ message: String) -> AnnouncerConfigError {
        AnnouncerConfigError(path: path, line: entries[key]?.line, message: "\(key): \(message)")
    }

    /// The value, or the default; a required key that is absent or empty is an error.
    func text(_ key: String) throws(AnnouncerConfigError) -> String {
        guard let declared = AnnouncerConfigKeys.key(named: key) else { preconditionFailure("undeclared key \(key)") }
        if let entry = entries[key], !(entry.value.isEmpty && declared.defaultValue == nil) { return entry.value }
        guard let fallback = declared.defaultValue else { throw error(key, "is required and not set") }
        return fallback
    }

    func optionalText(_ key: String) -> String? {
        let value = (try? text(key)) ?? ""
        return value.isEmpty ? nil : value
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(AnnouncerConfigError) -> Int {
        let value = try text(key)
        guard let number = Int(value) else { throw error(key, "'\(value)' is not a whole number") }
        guard range.contains(number) else {
            throw error(key, "\(number) is outside \(range.lowerBound)-\(range.upperBound)")
        }
        return number
    }

    func milliseconds(
        _ key: String, in range: ClosedRange<Int>, multipleOf step: Int = 1
    ) throws(AnnouncerConfigError) -> Duration {
        let number = try integer(key, in: range)
        guard number % step == 0 else {
            throw error(key, "\(number) ms is not a multiple of \(step) ms (the wire carries centiseconds)")
        }
        return .milliseconds(number)
    }

    /// Seconds with up to three decimals (`0.5`, `10`).
    func seconds(_ key: String, maximum: Duration, allowZero: Bool = true) throws(AnnouncerConfigError) -> Duration {
        let value = try text(key)
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int(parts[0]), whole >= 0,
            parts.count == 1 || (1...3).contains(parts[1].count) && parts[1].allSatisfy(\.isNumber)
        else { throw error(key, "'\(value)' is not a number of seconds (e.g. 2 or 0.5)") }
        // Past every maximum (days at most), and before `* 1000` could overflow.
        guard whole <= 999_999_999 else { throw error(key, "\(value) s is outside 0-\(maximum.components.seconds) s") }
        var milliseconds = whole * 1000
        if parts.count == 2, let fraction = Int(parts[1] + String(repeating: "0", count: 3 - parts[1].count)) {
            milliseconds += fraction
        }
        let duration = Duration.milliseconds(milliseconds)
        guard duration <= maximum, allowZero || duration > .zero else {
            throw error(key, "\(value) s is outside \(allowZero ? "0" : "0.001")-\(maximum.components.seconds) s")
        }
        return duration
    }

    func flag(_ key: String) throws(AnnouncerConfigError) -> Bool {
        switch try text(key) {
        case "1": return true
        case "0": return false
        case let other: throw error(key, "'\(other)' is neither 1 nor 0")
        }
    }

    func virtualIPs(_ key: String) throws(AnnouncerConfigError) -> [VirtualIPAddress] {
        var result: [VirtualIPAddress] = []
        for item in try list(key) {
            switch VirtualIPAddress.parse(item) {
            case .success(let vip):
                guard !result.contains(where: { $0.address == vip.address }) else {
                    throw error(key, "\(vip.address) is listed twice")
                }
                result.append(vip)
            case .failure(let why): throw error(key, "\(why)")
            }
        }
        guard !result.isEmpty else { throw error(key, "is required and not set") }
        guard result.count <= VRRPLimits.maximumAddressCount else {
            throw error(key, "\(result.count) addresses, at most \(VRRPLimits.maximumAddressCount) fit in an advertisement")
        }
        return result
    }

    func peers(_ key: String, primary: IPv4Address) throws(AnnouncerConfigError) -> [IPv4Address] {
        var result: [IPv4Address] = []
        for item in try list(key) {
            guard let address = IPv4Address(item), address.isUsableHostAddress else {
                throw error(key, "'\(item)' is not a usable IPv4 unicast address")
            }
            guard address != primary else { throw error(key, "\(address) is this host's own primary address") }
            result.append(address)
        }
        return result
    }

    func interface(
        _ key: String, excluding virtualIPs: [VirtualIPAddress], in interfaces: some InterfaceDirectory
    ) throws(AnnouncerConfigError) -> (String, Int32, IPv4Address) {
        let name = try text(key)
        guard let index = interfaces.index(of: name) else {
            throw error(key, "there is no interface '\(name)' (see `ip link`)")
        }
        let virtual = Set(virtualIPs.map(\.address))
        guard let primary = interfaces.ipv4Addresses(of: name).first(where: { !virtual.contains($0) }) else {
            throw error(key, "interface '\(name)' has no IPv4 address of its own to send advertisements from")
        }
        guard primary.isUsableHostAddress else {
            throw error(key, "interface '\(name)' has primary address \(primary), not usable as a VRRP source")
        }
        return (name, index, primary)
    }

    func trackMaster() throws(AnnouncerConfigError) -> TrackMasterSettings? {
        let value = try text("TRACK_MASTER")
        let url: String
        switch value {
        case "0": return nil
        case "1": url = TrackMasterSettings.defaultURL
        default: url = value
        }
        guard let (host, port, path) = TrackMasterSettings.parseURL(url) else {
            throw error("TRACK_MASTER", "'\(value)' is not 0, 1 or a URL http://IPV4:PORT/PATH")
        }
        return TrackMasterSettings(
            host: host, port: port, path: path,
            interval: try milliseconds("TRACK_MASTER_INTERVAL_MS", in: 50...60_000),
            fall: try integer("TRACK_MASTER_FALL", in: 1...100), rise: try integer("TRACK_MASTER_RISE", in: 1...100))
    }

    func absolutePath(_ key: String) throws(AnnouncerConfigError) -> String {
        let value = try text(key)
        guard value.hasPrefix("/"), !value.hasSuffix("/") else { throw error(key, "'\(value)' is not an absolute file path") }
        return value
    }

    private func list(_ key: String) throws(AnnouncerConfigError) -> [String] {
        try text(key).split(separator: ",").map { $0.trimmingBlanks() }.filter { !$0.isEmpty }
    }
}

extension Substring {
    func trimmingBlanks() -> String {
        var slice = self
        while slice.first == " " || slice.first == "\t" { slice = slice.dropFirst() }
        while slice.last == " " || slice.last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
