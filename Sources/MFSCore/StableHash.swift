/// A 64-bit hash that is the same in every process and on every host (Swift's `Hasher` is
/// seeded per process, so it cannot be used for anything persisted or replicated). Used for
/// readdir cookies and the namespace checksum.
public enum StableHash {
    /// The murmur3 64-bit finalizer: a cheap, well-mixing bijection.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    /// Combines `value` into `state` (order-sensitive).
    @inlinable
    public static func combine(_ state: UInt64, _ value: UInt64) -> UInt64 {
        mix(state &+ 0x9E37_79B9_7F4A_7C15 &+ value) ^ (state >> 7)
    }

    /// Hashes bytes eight at a time.
    @inlinable
    public static func bytes(_ buffer: UnsafeBufferPointer<UInt8>, seed: UInt64 = 0) -> UInt64 {
        var h = combine(seed, UInt64(buffer.count))
        var index = 0
        while buffer.count - index >= 8 {
            var word: UInt64 = 0
            for k in 0..<8 { word |= UInt64(buffer[index + k]) << (8 * UInt64(k)) }
            h = combine(h, word)
            index += 8
        }
        if index < buffer.count {
            var word: UInt64 = 0
            for k in 0..<(buffer.count - index) { word |= UInt64(buffer[index + k]) << (8 * UInt64(k)) }
            h = combine(h, word)
        }
        return mix(h)
    }
}
