extension ConfigSchema {
    /// A sample file documenting every key: `header` as comment lines, then per key its doc
    /// line, its accepted form, and `# KEY = default`, commented out so the file as rendered
    /// sets nothing. Uncommenting a key line gives a valid file that sets the default.
    ///
    /// ```
    /// # Hours between metadata dumps.
    /// # Value: an integer in 1...24.
    /// # METADATA_SAVE_FREQ = 1
    /// ```
    public func sample(header: String) -> String {
        var out = ""
        if !header.isEmpty {
            for line in header.split(separator: "\n", omittingEmptySubsequences: false) {
                out += line.isEmpty ? "#\n" : "# \(line)\n"
            }
            out += "\n"
        }
        for (position, key) in keys.enumerated() {
            if position > 0 { out += "\n" }
            out += "# \(key.doc)\n"
            out += "# Value: \(key.expected).\n"
            out += key.defaultText.isEmpty ? "# \(key.name) =\n" : "# \(key.name) = \(key.defaultText)\n"
        }
        return out
    }
}
