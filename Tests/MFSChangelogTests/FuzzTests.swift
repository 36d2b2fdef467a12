import MFSChangelog
import MFSCore
import Testing

/// Seeds for the fuzz tests: one test case each, so they run in parallel. Any failure names its
/// seed and iteration; rerun that seed to reproduce it.
let fuzzSeeds: [UInt64] = [0xF022_0001, 0xF022_0002, 0xF022_0003, 0xF022_0004]

/// The fuzz property for one input: parsing never traps; whatever parses formats to a line
/// (within the line limit) that parses to the same record; every error has a message.
/// Returns whether the line parsed.
@discardableResult
private func checkFuzzedLine(_ line: [UInt8], _ context: @autoclosure () -> String) -> Bool {
    let first: ChangelogRecord
    do {
        first = try ChangelogCodec.parse(line)
    } catch {
        if error.description.isEmpty { Issue.record("\(context()): empty message for \(error)") }
        return false
    }
    let again = formattedLine(first)
    do {
        let second = try ChangelogCodec.parse(again)
        if second != first || again.count > ChangelogLimits.maxLineLength {
            Issue.record("\(context()): \(printable(line)) parsed, reformatted as \(printable(again)), reparsed differently")
        }
    } catch {
        Issue.record("\(context()): \(printable(line)) parsed, but its reformatted line \(printable(again)) fails: \(error)")
    }
    if ChangelogCodec.peekVersion(line) != first.version {
        Issue.record("\(context()): peekVersion disagrees with parse for \(printable(line))")
    }
    return true
}

private func printable(_ bytes: [UInt8]) -> String { printableLine(bytes.prefix(300)) }

/// The bytes that matter to the grammar, so mutations reach deep into it instead of failing at
/// the first byte.
private let structuralBytes = Array("0123456789:| (),%.r=fdAFaf/\r\n".utf8) + [0, 0x7F, 0x80, 0xFF]

private func randomByte(_ rng: inout SplitMix64) -> UInt8 {
    Bool.random(using: &rng) ? structuralBytes.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
}

/// One to three random edits: bit flip, truncation, insertion, deletion, replacement,
/// duplication of a range.
private func mutate(_ line: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
    var bytes = line
    for _ in 0..<Int.random(in: 1...3, using: &rng) {
        let position = Int.random(in: 0...bytes.count, using: &rng)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0 where position < bytes.count:
            bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case 1:
            bytes.removeSubrange(position...)
        case 2:
            bytes.insert(randomByte(&rng), at: position)
        case 3 where position < bytes.count:
            bytes.remove(at: position)
        case 4 where position < bytes.count:
            bytes[position] = randomByte(&rng)
        case 5:
            let end = min(bytes.count, position + Int.random(in: 1...8, using: &rng))
            bytes.insert(contentsOf: bytes[position..<end], at: position)
        default:
            bytes.append(randomByte(&rng))
        }
    }
    return bytes
}

@Test("mutated valid lines never trap, and what parses reformats to the same record", arguments: fuzzSeeds)
func mutatedLines(seed: UInt64) {
    var generator = RecordGenerator(seed: seed)
    var rng = SplitMix64(seed: seed ^ 0xA5A5_A5A5_A5A5_A5A5)
    // A pool of valid lines, renewed as we go, keeps the debug-mode run short.
    var pool = (0..<64).map { _ in formattedLine(generator.record()) }
    var parsed = 0
    for iteration in 0..<25_000 {
        if iteration % 16 == 0 { pool[Int.random(in: 0..<pool.count, using: &rng)] = formattedLine(generator.record()) }
        let line = mutate(pool.randomElement(using: &rng)!, &rng)
        if checkFuzzedLine(line, "seed \(seed) mutation \(iteration)") { parsed += 1 }
    }
    // Mutations inside byte strings and numbers often still parse: the round-trip property is
    // exercised, not only the error paths.
    #expect(parsed > 1_000, "seed \(seed)")
}

@Test("random byte strings never trap", arguments: fuzzSeeds)
func randomByteStrings(seed: UInt64) {
    var rng = SplitMix64(seed: seed ^ 0x5A5A_5A5A_5A5A_5A5A)
    let prefixes = ChangelogOperation.allCases.map { Array("1: 2|\($0.name)(".utf8) }
    for iteration in 0..<10_000 {
        var line: [UInt8] = Bool.random(using: &rng) ? prefixes.randomElement(using: &rng)! : []
        for _ in 0..<Int.random(in: 0...64, using: &rng) { line.append(randomByte(&rng)) }
        checkFuzzedLine(line, "seed \(seed) random string \(iteration)")
    }
}

@Test func fuzzPropertyHoldsForValidLinesWithNonCanonicalEscapes() {
    // Lowercase and needless escapes parse; they reformat canonically to the same record.
    checkFuzzedLine(Array("1: 2|RENAME(1,%61%2c,2,%c3%bc):3".utf8), "fixed")
    #expect(
        ChangelogCodec.text(of: try! ChangelogCodec.parse(line: "1: 2|RENAME(1,%61%2c,2,%c3%bc):3"))
            == "1: 2|RENAME(1,a%2C,2,%C3%BC):3")
}
