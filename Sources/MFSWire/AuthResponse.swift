/// A client's answer to the master's password challenge (`ClientToMaster.authResponse`), sent
/// only when the `HelloReply` carried one. How the answer is computed (an HMAC of the challenge
/// keyed with the export's password) is the client's and master's business; the wire carries
/// bytes.
///
/// ```
/// ClientToMaster.authResponse (1002):
///   responseLength:8 response:responseLengthB     (1…64 bytes)
/// ```
public struct AuthResponse: WireMessage {
    /// 1…`WireLimits.maxAuthResponseLength` bytes.
    public var response: [UInt8]

    public init(response: [UInt8]) { self.response = response }

    public func encode() -> [UInt8] {
        precondition(!response.isEmpty, "an empty auth response")
        var writer = FrameWriter(ClientToMaster.authResponse)
        writer.write(shortString: response, limit: WireLimits.maxAuthResponseLength, field: "response")
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> AuthResponse {
        guard frame.type == ClientToMaster.authResponse else {
            throw .unexpectedType(frame.type, expected: "an auth response")
        }
        var reader = PayloadReader(frame)
        let response = try reader.shortBytes("response", limit: WireLimits.maxAuthResponseLength)
        guard !response.isEmpty else { throw reader.malformed("response", "empty") }
        try reader.finish()
        return AuthResponse(response: response)
    }
}
