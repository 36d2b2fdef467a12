/// A client version, `X[.Y[.Z]]` with each part 0...255, as in MooseFS's `minversion=`.
public struct ExportVersion: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var major: UInt8
    public var minor: UInt8
    public var patch: UInt8

    public init(_ major: UInt8, _ minor: UInt8 = 0, _ patch: UInt8 = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    public var description: String { "\(major).\(minor).\(patch)" }

    /// `X`, `X.Y` or `X.Y.Z`; missing parts are 0.
    static func parse(_ text: Substring) -> ExportVersion? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var numbers: [UInt8] = []
        for part in parts {
            guard let number = ConfigText.plainNumber(part, maxDigits: 3), number <= 255 else { return nil }
            numbers.append(UInt8(number))
        }
        numbers += [0, 0]
        return ExportVersion(numbers[0], numbers[1], numbers[2])
    }
}
