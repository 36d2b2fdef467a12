import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Fetches a master's `/status` (port 9428; 9425 is MooseFS's mfscgiserv) with a deadline, for
/// `mfscli` and the announcer's `TRACK_MASTER`. Plain blocking sockets: one short request, no
/// event loop needed.
public enum StatusClient {
    public static let defaultPort = 9428

    public enum FetchError: Error, CustomStringConvertible, Sendable {
        case badAddress(String)
        case connect(String, String)
        case timeout(String, Double)
        case http(String, Int, String)
        case badAnswer(String, String)

        public var description: String {
            switch self {
            case .badAddress(let address): "\(address): not an IPv4 address or host name that resolves"
            case .connect(let address, let reason): "cannot connect to \(address): \(reason)"
            case .timeout(let address, let seconds): "\(address) did not answer within \(Int(seconds * 1000)) ms"
            case .http(let address, let code, let body): "\(address) answered HTTP \(code): \(body.prefix(200))"
            case .badAnswer(let address, let reason): "\(address) answered something that is not a status: \(reason)"
            }
        }
    }

    /// `host[:port]` → (host, port), port 9428 unless given.
    public static func split(_ address: String) -> (String, Int) {
        if let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) {
            return (String(address[..<colon]), port)
        }
        return (address, defaultPort)
    }

    /// GET (or `method`) `path` from `host:port`, the whole exchange within `timeout` seconds.
    public static func get(
        host: String, port: Int, path: String, timeout: Double, method: String = "GET", headers: [String: String] = [:]
    ) throws(FetchError) -> (
        Int, [UInt8]
    ) {
        let address = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else { throw .badAddress(host) }
        defer { freeaddrinfo(result) }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connect(address, String(cString: strerror(errno))) }
        defer { close(fd) }
        let deadline = Date().addingTimeInterval(timeout)
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            if errno == EINPROGRESS || errno == EAGAIN { throw .timeout(address, timeout) }
            throw .connect(address, String(cString: strerror(errno)))
        }
        let extra = headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)\r\n" }.joined()
        let request = Array("\(method) \(path) HTTP/1.0\r\nHost: \(host)\r\n\(extra)Content-Length: 0\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            throw .connect(address, String(cString: strerror(errno)))
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || Date() > deadline { throw .timeout(address, timeout) }
                if errno == EINTR { continue }
                throw .connect(address, String(cString: strerror(errno)))
            }
            response += buffer[0..<n]
            if Date() > deadline { throw .timeout(address, timeout) }
            guard response.count < 16 << 20 else { throw .badAnswer(address, "answer over 16 MiB") }
        }
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let split = response.firstRange(of: separator) else { throw .badAnswer(address, "no HTTP header") }
        let head = String(decoding: response[..<split.lowerBound], as: UTF8.self)
        let parts = head.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
            throw .badAnswer(address, "bad status line")
        }
        return (code, Array(response[split.upperBound...]))
    }

    /// The master's status.
    public static func fetch(_ address: String, timeout: Double = 2) throws(FetchError) -> MasterStatus {
        let (host, port) = split(address)
        let (code, body) = try get(host: host, port: port, path: "/status", timeout: timeout)
        guard code == 200 else { throw .http("\(host):\(port)", code, String(decoding: body, as: UTF8.self)) }
        do {
            return try JSONDecoder().decode(MasterStatus.self, from: Data(body))
        } catch {
            throw .badAnswer("\(host):\(port)", "\(error)")
        }
    }
}
