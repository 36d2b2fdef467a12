/// HMAC-SHA256 (RFC 2104 with SHA-256), checked against RFC 4231's test cases.
public struct HMACSHA256: Sendable {
    /// Bytes in an authentication code.
    public static let codeLength = SHA256.digestLength

    private var inner = SHA256()
    private var outer = SHA256()

    /// Keys longer than a SHA-256 block are hashed first, as RFC 2104 specifies.
    public init(key: some Collection<UInt8>) {
        var block = key.count > SHA256.blockLength ? SHA256.hash(key) : Array(key)
        block += [UInt8](repeating: 0, count: SHA256.blockLength - block.count)
        inner.update(block.map { $0 ^ 0x36 })
        outer.update(block.map { $0 ^ 0x5c })
    }

    /// The code of `message` under `key`.
    public static func authenticationCode(for message: some Sequence<UInt8>, key: some Collection<UInt8>) -> [UInt8] {
        var mac = HMACSHA256(key: key)
        mac.update(message)
        return mac.finalize()
    }

    /// Adds `bytes` to the message.
    public mutating func update(_ bytes: some Sequence<UInt8>) { inner.update(bytes) }

    /// The code of everything added so far; the value itself is left unchanged.
    public func finalize() -> [UInt8] {
        var result = outer
        result.update(inner.finalize())
        return result.finalize()
    }
}
