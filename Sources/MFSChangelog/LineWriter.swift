import MFSCore

/// Writes the parts of a changelog line into memory the caller sized with
/// `ChangelogCodec.formattedLengthBound`. No bounds checks and no `String`: the formatter is on
/// the master's hot path (one line per metadata change).
struct LineWriter {
    private(set) var cursor: UnsafeMutablePointer<UInt8>

    init(_ start: UnsafeMutablePointer<UInt8>) { cursor = start }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        cursor.initialize(to: value)
        cursor += 1
    }

    /// An ASCII literal such as an operation name.
    @inline(__always)
    mutating func ascii(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        cursor.initialize(from: text.utf8Start, count: count)
        cursor += count
    }

    /// `value` in decimal, without leading zeros.
    @inline(__always)
    mutating func decimal(_ value: UInt32) { decimal(UInt64(value)) }

    /// `value` in decimal, without leading zeros. Counts the digits first, then writes them from
    /// the last one, so no temporary buffer and no reversal.
    mutating func decimal(_ value: UInt64) {
        if value < 10 {
            byte(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        let end = cursor + Self.digitCount(value)
        var position = end
        var remaining = value
        repeat {
            position -= 1
            position.initialize(to: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10))
            remaining /= 10
        } while remaining != 0
        cursor = end
    }

    /// `,VALUE`: a numeric argument after the first.
    @inline(__always)
    mutating func argument(_ value: UInt64) {
        byte(UInt8(ascii: ","))
        decimal(value)
    }

    /// Decimal digits of `value` (at least 1).
    @inline(__always)
    static func digitCount(_ value: UInt64) -> Int {
        var count = 1
        var rest = value
        while rest >= 100 {
            rest /= 100
            count += 2
        }
        return rest >= 10 ? count + 1 : count
    }

    /// A metaid or member id as 16 lowercase hex digits (as `MetaID.hex`, without a `String`).
    mutating func hex16(_ value: UInt64) {
        for shift in stride(from: 60, through: 0, by: -4) {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 15
            byte(nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10))
        }
    }

    /// A byte string with `NameEscaping`'s rules.
    mutating func escaped(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { source in
            var out = cursor
            for value in source {
                if NameEscaping.needsEscape(value) {
                    out[0] = UInt8(ascii: "%")
                    out[1] = NameEscaping.upperHexDigit(value >> 4)
                    out[2] = NameEscaping.upperHexDigit(value & 15)
                    out += 3
                } else {
                    out.initialize(to: value)
                    out += 1
                }
            }
            cursor = out
        }
    }
}
