/// The `%XX` escaping of byte strings (names, symlink targets, session info) in changelog lines.
///
/// Escaped: bytes below 32 and above 126 (so a line is printable ASCII and never holds a `\n`),
/// `,` `(` `)` (so arguments split on raw bytes without look-ahead) and `%` itself. Every other
/// byte is written as is, so ordinary names stay readable: `notes.txt`, `a b`, `x:y|z`.
/// The formatter writes uppercase hex; the parser accepts either case.
enum NameEscaping {
    /// Whether `byte` is written as `%XX`.
    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        // One unsigned compare covers both "below 32" and "above 126".
        byte &- 32 > 94 || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "%")
            || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")")
    }

    /// The value of a hex digit of either case, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        default: nil
        }
    }

    /// The uppercase hex digit for `nibble` (0…15).
    @inline(__always)
    static func upperHexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "A") &+ (nibble &- 10)
    }

    /// Bytes as printable text for error messages: printable ASCII as is, the rest as `%XX`,
    /// cut at `limit` bytes with `…`.
    static func printable(_ bytes: some Collection<UInt8>, limit: Int = 40) -> String {
        var out: [UInt8] = []
        for byte in bytes.prefix(limit) {
            if byte &- 32 > 94 || byte == UInt8(ascii: "%") {
                out += [UInt8(ascii: "%"), upperHexDigit(byte >> 4), upperHexDigit(byte & 15)]
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self) + (bytes.count > limit ? "…" : "")
    }
}
