/// A size as MooseFS 3.0 writes it in `mfshdd.cfg` and `HDD_LEAVE_SPACE_DEFAULT` (its
/// `sizestrtod`): digits with an optional fraction, an optional unit (`k`, `M`, `G`, `T`, `P`,
/// `E` powers of 1000; `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei` powers of 1024; `K` alone is not a
/// unit) and an optional `B`: `500G`, `1.5TiB`, `256MiB`, `4096`.
public enum DataSize {
    /// Bytes, rounded; nil for anything else or a size past UInt64.
    public static func parse(_ text: Substring) -> UInt64? {
        guard let value = value(text), value < 18_446_744_073_709_551_616.0 else { return nil }
        return UInt64(value.rounded())
    }

    /// The size before rounding (it may lie past UInt64); nil when `text` is not a size.
    public static func value(_ text: Substring) -> Double? {
        var number = text
        if number.hasSuffix("B") { number.removeLast() }
        let unit = units.first { number.hasSuffix($0.suffix) }
        if let unit { number.removeLast(unit.suffix.count) }
        guard !number.isEmpty, number != ".", number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            number.filter({ $0 == "." }).count <= 1, let value = Double(number.hasPrefix(".") ? "0" + number : String(number))
        else { return nil }
        return value * (unit?.bytes ?? 1)
    }

    /// Units, binary ones first so that `Mi` is not read as `M` followed by junk.
    private static let units: [(suffix: String, bytes: Double)] =
        zip(["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"], 1...6).map { ($0, power(1024, $1)) }
        + zip(["k", "M", "G", "T", "P", "E"], 1...6).map { ($0, power(1000, $1)) }

    private static func power(_ base: Double, _ exponent: Int) -> Double { (0..<exponent).reduce(1.0) { value, _ in value * base } }
}
