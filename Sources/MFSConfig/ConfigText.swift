/// Small text helpers shared by the parsers and their messages.
enum ConfigText {
    /// Values longer than this are shortened in messages.
    static let maxQuotedCharacters = 64

    /// `text` without leading and trailing spaces and tabs.
    static func trimmed(_ text: Substring) -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isBlank($0) }) else { return text[text.endIndex...] }
        let last = text.lastIndex(where: { !isBlank($0) })!
        return text[first...last]
    }

    /// `text` in double quotes for a message: invisible characters (controls, format characters
    /// such as bidirectional overrides) escaped so the operator sees what is really there, and
    /// long text shortened.
    static func quoted(_ text: some StringProtocol) -> String {
        var out = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == maxQuotedCharacters {
                out += "..."
                break
            }
            count += 1
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate:
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                if scalar == "\"" || scalar == "\\" { out += "\\" }
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `0x0A` style.
    static func hexByte(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "0x" + (digits.count == 1 ? "0" : "") + digits
    }

    /// True when `text` is one or more ASCII digits.
    static func isDigits(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// A decimal number of at most `maxDigits` digits without a leading zero (other than "0"
    /// itself); nil otherwise. Leading zeros are refused because other tools read them as octal.
    static func plainNumber(_ text: some StringProtocol, maxDigits: Int) -> UInt64? {
        guard isDigits(text), text.utf8.count <= maxDigits else { return nil }
        if text.utf8.count > 1 && text.utf8.first == UInt8(ascii: "0") { return nil }
        return UInt64(String(text))
    }
}
