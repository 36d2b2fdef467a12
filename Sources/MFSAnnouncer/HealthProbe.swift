import CNetlink
import VRRPCore

#if canImport(Glibc)
    import Glibc
#endif

/// Polls `TRACK_MASTER` without blocking the loop: a non-blocking TCP connect, an HTTP/1.0
/// `GET`, read to the end, all within 200 ms (DESIGN §1), every `TRACK_MASTER_INTERVAL_MS`.
/// The loop polls `descriptor` for `events` and calls `advance`; `nextDeadline` is either the
/// answer's deadline or the next poll.
final class HealthProbe {
    let settings: TrackMasterSettings
    private(set) var descriptor: Int32 = -1
    private var connected = false
    private var request: [UInt8]
    private var sent = 0
    private var response: [UInt8] = []
    private var answerDeadline: VRRPInstant? = nil
    private var nextPoll: VRRPInstant
    /// Whether this host serves the virtual IPs now (set by the loop before each call): then
    /// the master must be active to count as healthy (`MasterStatusAnswer.evaluate`).
    var holdingVirtualIPs = false

    init(settings: TrackMasterSettings, now: VRRPInstant) {
        self.settings = settings
        request = Array("GET \(settings.path) HTTP/1.0\r\nHost: \(settings.host):\(settings.port)\r\nConnection: close\r\n\r\n".utf8)
        nextPoll = now
    }

    deinit { closeSocket() }

    var nextDeadline: VRRPInstant { answerDeadline ?? nextPoll }

    /// What to poll for, when a request is under way.
    var events: Int16 { connected && sent == request.count ? Int16(POLLIN) : Int16(POLLOUT) }

    /// Starts a request when it is time, and fails one that took too long.
    func fireDue(now: VRRPInstant) -> MasterStatusAnswer.Verdict? {
        if let deadline = answerDeadline {
            guard deadline <= now else { return nil }
            return finish(now: now, .unhealthy("no answer within \(TrackMasterSettings.answerTimeout.milliseconds) ms"))
        }
        guard nextPoll <= now else { return nil }
        return begin(now: now)
    }

    /// Called when the descriptor is ready.
    func advance(revents: Int16, now: VRRPInstant) -> MasterStatusAnswer.Verdict? {
        guard descriptor >= 0 else { return nil }
        if !connected {
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else { return finish(now: now, .unhealthy("connect: \(String(cString: strerror(error)))")) }
            connected = true
        }
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { return nil }
                return finish(now: now, .unhealthy("send: \(String(cString: strerror(errno)))"))
            }
            sent += n
        }
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { return nil }
                return finish(now: now, .unhealthy("receive: \(String(cString: strerror(errno)))"))
            }
            if n == 0 { return finish(now: now, MasterStatusAnswer.evaluate(response, holdingVirtualIPs: holdingVirtualIPs)) }
            response += buffer[..<n]
            guard response.count <= MasterStatusAnswer.maximumLength else {
                return finish(now: now, .unhealthy("answer longer than \(MasterStatusAnswer.maximumLength) bytes"))
            }
        }
    }

    private func begin(now: VRRPInstant) -> MasterStatusAnswer.Verdict? {
        closeSocket()
        response = []
        sent = 0
        connected = false
        answerDeadline = now + TrackMasterSettings.answerTimeout
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        descriptor = socket(AF_INET, type, 0)
        guard descriptor >= 0 else { return finish(now: now, .unhealthy("\(SystemCallError("socket"))")) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = settings.port.bigEndian
        address.sin_addr.s_addr = settings.host.rawValue.bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 && errno != EINPROGRESS {
            return finish(now: now, .unhealthy("connect to \(settings.host):\(settings.port): \(String(cString: strerror(errno)))"))
        }
        return nil
    }

    private func finish(now: VRRPInstant, _ outcome: MasterStatusAnswer.Verdict) -> MasterStatusAnswer.Verdict {
        closeSocket()
        answerDeadline = nil
        nextPoll = now + settings.interval
        return outcome
    }

    private func closeSocket() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }
}
