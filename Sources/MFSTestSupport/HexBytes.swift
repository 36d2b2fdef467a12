/// Bytes from hex digits (`"0000019a0000002a…"`), as golden fixtures hold them; whitespace is
/// skipped. Traps on anything else: fixtures are the tests' own files.
public func hexBytes(_ hex: some StringProtocol) -> [UInt8] {
    let digits = String(hex.filter { !$0.isWhitespace })
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}
