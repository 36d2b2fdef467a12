import MFSMetadata

/// A command and its options, checked before the master is contacted so that a usage error
/// never waits for the network.
enum Command {
    case ls(long: Bool, all: Bool, paths: [String])
    case stat([String])
    case mkdir(parents: Bool, mode: UInt16?, paths: [String])
    case rm(recursive: Bool, force: Bool, paths: [String])
    case rmdir([String])
    case mv(String, String)
    case ln(symbolic: Bool, target: String, name: String)
    case readlink([String])
    case touch([String])
    case getgoal(recursive: Bool, paths: [String])
    case setgoal(recursive: Bool, goal: UInt8, paths: [String])
    case info
    /// `put LOCAL PATH` (`-` reads standard input), `get PATH LOCAL` (`-`: standard output).
    case put(local: String, path: String, goal: UInt8?, quiet: Bool)
    case get(path: String, local: String, quiet: Bool)
    case cat([String])
    case truncate(length: UInt64, paths: [String])

    init(_ name: String, _ arguments: [String]) throws(UsageError) {
        switch name {
        case "ls":
            let parsed = try ParsedArguments(arguments, flags: "la", command: name)
            self = .ls(long: parsed.has("l"), all: parsed.has("a"), paths: parsed.operands.isEmpty ? ["/"] : parsed.operands)
        case "stat":
            self = .stat(try Self.paths(arguments, flags: "", name))
        case "mkdir":
            let parsed = try ParsedArguments(arguments, flags: "p", valued: "m", command: name)
            try parsed.expect(1...Int.max, name, "operand")
            self = .mkdir(parents: parsed.has("p"), mode: try parsed.values["m"].map(Self.mode), paths: parsed.operands)
        case "rm":
            let parsed = try ParsedArguments(arguments, flags: "rRf", command: name)
            if !parsed.has("f") { try parsed.expect(1...Int.max, name, "operand") }
            self = .rm(recursive: parsed.has("r") || parsed.has("R"), force: parsed.has("f"), paths: parsed.operands)
        case "rmdir":
            self = .rmdir(try Self.paths(arguments, flags: "", name))
        case "mv":
            let parsed = try ParsedArguments(arguments, flags: "", command: name)
            try parsed.expect(2...2, name, "destination operand")
            self = .mv(parsed.operands[0], parsed.operands[1])
        case "ln":
            let parsed = try ParsedArguments(arguments, flags: "s", command: name)
            try parsed.expect(2...2, name, "link name")
            self = .ln(symbolic: parsed.has("s"), target: parsed.operands[0], name: parsed.operands[1])
        case "readlink":
            self = .readlink(try Self.paths(arguments, flags: "", name))
        case "touch":
            self = .touch(try Self.paths(arguments, flags: "", name))
        case "getgoal":
            let parsed = try ParsedArguments(arguments, flags: "r", command: name)
            try parsed.expect(1...Int.max, name, "operand")
            self = .getgoal(recursive: parsed.has("r"), paths: parsed.operands)
        case "setgoal":
            let parsed = try ParsedArguments(arguments, flags: "r", command: name)
            try parsed.expect(2...Int.max, name, parsed.operands.isEmpty ? "goal" : "operand")
            let goal = try Self.goal(parsed.operands[0])
            self = .setgoal(recursive: parsed.has("r"), goal: goal, paths: Array(parsed.operands.dropFirst()))
        case "put":
            let parsed = try ParsedArguments(arguments, flags: "q", valued: "g", command: name)
            try parsed.expect(2...2, name, "destination path")
            self = .put(
                local: parsed.operands[0], path: parsed.operands[1], goal: try parsed.values["g"].map(Self.goal), quiet: parsed.has("q"))
        case "get":
            let parsed = try ParsedArguments(arguments, flags: "q", command: name)
            try parsed.expect(2...2, name, "local destination")
            self = .get(path: parsed.operands[0], local: parsed.operands[1], quiet: parsed.has("q"))
        case "cat":
            self = .cat(try Self.paths(arguments, flags: "", name))
        case "truncate":
            let parsed = try ParsedArguments(arguments, flags: "", valued: "s", command: name)
            try parsed.expect(1...Int.max, name, "operand")
            guard let text = parsed.values["s"] else { throw UsageError("truncate: missing -s SIZE") }
            self = .truncate(length: try Self.size(text), paths: parsed.operands)
        case "info":
            try ParsedArguments(arguments, flags: "", command: name).expect(0...0, name, "")
            self = .info
        default:
            throw UsageError("unknown command '\(name)'")
        }
    }

    private static func paths(_ arguments: [String], flags: String, _ name: String) throws(UsageError) -> [String] {
        let parsed = try ParsedArguments(arguments, flags: flags, command: name)
        try parsed.expect(1...Int.max, name, "operand")
        return parsed.operands
    }

    /// A goal (how many copies of each chunk), in the range the namespace keeps: MooseFS's 1-9.
    static func goal(_ text: String) throws(UsageError) -> UInt8 {
        let range = NamespaceLimits.minGoal...NamespaceLimits.maxGoal
        guard let goal = UInt8(text), range.contains(goal) else {
            throw UsageError("setgoal: invalid goal '\(text)' (a number \(range.lowerBound)-\(range.upperBound))")
        }
        return goal
    }

    /// A byte count: digits with an optional K, M, G or T (powers of 1024), as truncate -s takes.
    static func size(_ text: String) throws(UsageError) -> UInt64 {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(text)
        var scale: UInt64 = 1
        if let last = digits.last, let unit = units[Character(last.uppercased())] {
            scale = unit
            digits = digits.dropLast()
        }
        guard let value = UInt64(digits), value.multipliedReportingOverflow(by: scale).overflow == false else {
            throw UsageError("truncate: invalid size '\(text)' (bytes, or with K, M, G, T)")
        }
        return value * scale
    }

    /// An octal mode, 0-7777 (symbolic modes are not supported).
    static func mode(_ text: String) throws(UsageError) -> UInt16 {
        guard let mode = UInt16(text, radix: 8), mode <= 0o7777 else {
            throw UsageError("mkdir: invalid mode '\(text)' (an octal number 0-7777)")
        }
        return mode
    }
}
