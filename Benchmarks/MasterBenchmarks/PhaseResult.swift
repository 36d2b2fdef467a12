/// One phase's figures.
struct PhaseResult {
    var op: String
    var clients: Int
    var ops: Int
    var seconds: Double
    /// Every call's latency, in seconds.
    var latencies: [Double]

    var opsPerSecond: Double { seconds > 0 ? Double(ops) / seconds : 0 }

    /// The latency at quantile `q` (0...1), nearest rank, in milliseconds.
    func percentileMilliseconds(_ q: Double, sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)] * 1_000
    }

    private var quantiles: (p50: Double, p99: Double) {
        let sorted = latencies.sorted()
        return (percentileMilliseconds(0.50, sorted: sorted), percentileMilliseconds(0.99, sorted: sorted))
    }

    /// `{"op":"mkdir","clients":8,"ops":100000,"seconds":0.93,"opsPerSecond":107526,"p50ms":0.061,"p99ms":0.42}`
    var json: String {
        let (p50, p99) = quantiles
        return "{\"op\":\"\(op)\",\"clients\":\(clients),\"ops\":\(ops),\"seconds\":\(fixed(seconds, 4)),"
            + "\"opsPerSecond\":\(Int(opsPerSecond.rounded())),\"p50ms\":\(fixed(p50, 3)),\"p99ms\":\(fixed(p99, 3))}"
    }

    static let tableHeader =
        pad("op", 8) + pad("clients", 8, right: true) + pad("ops", 10, right: true)
        + pad("seconds", 10, right: true) + pad("ops/s", 10, right: true) + pad("p50 ms", 9, right: true)
        + pad("p99 ms", 9, right: true)

    var tableRow: String {
        let (p50, p99) = quantiles
        return Self.pad(op, 8) + Self.pad("\(clients)", 8, right: true) + Self.pad("\(ops)", 10, right: true)
            + Self.pad(fixed(seconds, 3), 10, right: true) + Self.pad("\(Int(opsPerSecond.rounded()))", 10, right: true)
            + Self.pad(fixed(p50, 3), 9, right: true) + Self.pad(fixed(p99, 3), 9, right: true)
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}

/// `value` with exactly `digits` decimals (no Foundation needed).
func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int64((value * scale).rounded())
    let whole = scaled / Int64(scale)
    let fraction = String(abs(scaled % Int64(scale)))
    let sign = scaled < 0 && whole == 0 ? "-" : ""
    guard digits > 0 else { return "\(whole)" }
    return "\(sign)\(whole)." + String(repeating: "0", count: digits - fraction.count) + fraction
}
