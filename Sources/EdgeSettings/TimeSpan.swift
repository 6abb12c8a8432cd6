import NIOCore

/// A length of time, written in the config as `"10s"`, `"250ms"`, `"5m"`, `"1h"`, `"1d"`,
/// or a bare number of seconds (`10`, `0.5`). Kept in nanoseconds so it converts exactly.
public struct TimeSpan: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    public static func seconds(_ n: Int64) -> TimeSpan { TimeSpan(nanoseconds: n * 1_000_000_000) }
    public static func milliseconds(_ n: Int64) -> TimeSpan { TimeSpan(nanoseconds: n * 1_000_000) }
    public static func minutes(_ n: Int64) -> TimeSpan { .seconds(n * 60) }
    public static func hours(_ n: Int64) -> TimeSpan { .seconds(n * 3600) }
    public static func days(_ n: Int64) -> TimeSpan { .seconds(n * 86400) }
    public static let zero = TimeSpan(nanoseconds: 0)

    /// Seconds, for `EpochSeconds` arithmetic.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// For NIO timers and timeouts.
    public var timeAmount: TimeAmount { .nanoseconds(nanoseconds) }

    static let expectation = "expected a duration like \"10s\", \"250ms\", \"5m\", \"1h\" or \"1d\""

    private static let units: [(name: String, nanoseconds: Int64)] = [
        ("d", 86_400_000_000_000), ("h", 3_600_000_000_000), ("m", 60_000_000_000),
        ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1000), ("ns", 1),
    ]

    /// Parses `"10s"`-style text (a decimal number and a unit, or seconds when there is no unit).
    public init?(parsing text: String) {
        let trimmed = text.trimmingHTTPWhitespace()
        let numberText = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard !numberText.isEmpty, numberText.first != ".", numberText.last != ".",
              let number = Double(numberText) else { return nil }
        let unitText = trimmed.dropFirst(numberText.count).trimmingHTTPWhitespace()
        let factor: Int64
        if unitText.isEmpty {
            factor = 1_000_000_000
        } else if let unit = Self.units.first(where: { $0.name == unitText }) {
            factor = unit.nanoseconds
        } else {
            return nil
        }
        guard let span = TimeSpan(number: number, factor: factor) else { return nil }
        self = span
    }

    private init?(number: Double, factor: Int64) {
        let value = (number * Double(factor)).rounded()
        guard value.isFinite, value >= 0, value < Double(Int64.max) else { return nil }
        self.nanoseconds = Int64(value)
    }

    /// The shortest exact spelling in one unit: `"1d"`, `"90s"`, `"250ms"`, `"0s"`.
    public var description: String {
        if nanoseconds == 0 { return "0s" }
        for unit in Self.units where nanoseconds % unit.nanoseconds == 0 {
            return "\(nanoseconds / unit.nanoseconds)\(unit.name)"
        }
        return "\(nanoseconds)ns"
    }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int.self) {
            guard let span = TimeSpan(number: Double(integer), factor: 1_000_000_000) else {
                throw ConfigIssue(at: decoder, "a duration cannot be negative")
            }
            self = span
            return
        }
        if let double = try? container.decode(Double.self) {
            guard let span = TimeSpan(number: double, factor: 1_000_000_000) else {
                throw ConfigIssue(at: decoder, "a duration cannot be negative")
            }
            self = span
            return
        }
        let text = try container.configString(Self.expectation, at: decoder)
        guard let span = TimeSpan(parsing: text) else { throw ConfigIssue(at: decoder, Self.expectation) }
        self = span
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
