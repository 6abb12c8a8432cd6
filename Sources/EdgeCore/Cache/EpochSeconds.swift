/// Time in EdgeCore: seconds since the Unix epoch. Policy code never reads the clock;
/// callers pass `now` in, so every decision is reproducible in tests.
public typealias EpochSeconds = Double

/// Limits shared by the cache policy.
enum CacheLimits {
    /// RFC 9111 §1.2.2: a delta-seconds value that overflows is taken as 2^31.
    static let maxDeltaSeconds = 2_147_483_648
}

/// Parses RFC 9111 delta-seconds (`1*DIGIT`), saturating at 2^31.
/// Returns nil for anything that is not purely ASCII digits (signs, decimals, spaces).
func parseDeltaSeconds<S: StringProtocol>(_ text: S) -> Int? {
    guard !text.isEmpty else { return nil }
    var value = 0
    for byte in text.utf8 {
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        if value < CacheLimits.maxDeltaSeconds {
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
    }
    return min(value, CacheLimits.maxDeltaSeconds)
}
