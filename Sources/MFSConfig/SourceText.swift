/// A line of a configuration file with its comment removed and its ends trimmed; blank and
/// comment-only lines never become one.
struct SourceLine {
    let location: ConfigLocation
    let text: Substring
}

/// Splits a file into lines, enforcing the rules both file formats share: the size limits,
/// UTF-8, no control characters but tab, `#` starts a comment anywhere on a line.
enum SourceText {
    /// Calls `body` with each meaningful line of `bytes`, in order; problems go to `errors` and
    /// their lines are skipped. Lines are handed over as they are read, so the errors the body
    /// reports and the ones found here come out in line order.
    static func forEachLine(
        in bytes: [UInt8], file: String, errors: inout ErrorCollector, _ body: (SourceLine, inout ErrorCollector) -> Void
    ) {
        guard bytes.count <= ConfigLimits.maxFileBytes else {
            // Name the line the limit falls on, so the operator sees where the file went wrong
            // (often a binary or a log written over the config).
            let newlines = bytes[..<ConfigLimits.maxFileBytes].lazy.filter { $0 == UInt8(ascii: "\n") }.count
            let at = ConfigLocation(file: file, line: newlines + 1)
            errors.add(.fileTooLarge(at, limit: ConfigLimits.maxFileBytes))
            return
        }
        var start = 0
        var number = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            number += 1
            var content = bytes[start..<end]
            start = end + 1
            if content.last == UInt8(ascii: "\r") { content = content.dropLast() }
            let at = ConfigLocation(file: file, line: number)
            if let text = checkedText(content, at: at, errors: &errors) {
                body(SourceLine(location: at, text: text), &errors)
            }
        }
    }

    /// The line without its comment, trimmed; nil when it is blank or wrong.
    private static func checkedText(_ content: ArraySlice<UInt8>, at: ConfigLocation, errors: inout ErrorCollector)
        -> Substring?
    {
        guard content.count <= ConfigLimits.maxLineBytes else {
            errors.add(.lineTooLong(at, length: content.count, limit: ConfigLimits.maxLineBytes))
            return nil
        }
        // Control characters are refused rather than passed on: a stray NUL or escape sequence
        // in a path or host name would surface far from here, or garble the operator's terminal.
        if let index = content.firstIndex(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            let column = index - content.startIndex + 1
            let reason = "control character \(ConfigText.hexByte(content[index])) at column \(column)"
            errors.add(.malformedLine(at, reason: reason))
            return nil
        }
        guard let text = String(validating: content, as: UTF8.self) else {
            errors.add(.malformedLine(at, reason: "line is not valid UTF-8"))
            return nil
        }
        let code = text.firstIndex(of: "#").map { text[..<$0] } ?? text[...]
        let trimmed = ConfigText.trimmed(code)
        return trimmed.isEmpty ? nil : trimmed
    }
}
