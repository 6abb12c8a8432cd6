/// A 64-bit hash that is the same in every process and on every run (Swift's `Hasher` is seeded
/// per process), so that a key maps to the same origin after a restart and on every edge node.
public enum StableHash {
    /// FNV-1a over the bytes, then MurmurHash3's finalizer to spread FNV's weak low bits.
    public static func hash(_ text: String) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        return mix(value)
    }

    /// MurmurHash3 fmix64.
    public static func mix(_ input: UInt64) -> UInt64 {
        var k = input
        k ^= k >> 33
        k = k &* 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k = k &* 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }
}
