/// "Did you mean" suggestions for misspelled keys and options.
enum Suggestion {
    /// Words longer than this get no suggestion (the edit distance is quadratic).
    static let maxWordLength = 64

    /// The candidate closest to `word` by edit distance, if close enough to be a typo: at most
    /// a third of the candidate's length, and never more than 3 edits. Ties go to the earlier
    /// candidate.
    static func closest(to word: String, among candidates: [String]) -> String? {
        guard word.utf8.count <= maxWordLength else { return nil }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let allowed = max(1, min(3, candidate.utf8.count / 3))
            let distance = editDistance(Array(word.utf8), Array(candidate.utf8))
            if distance <= allowed && distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    /// Levenshtein distance between two byte strings.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
