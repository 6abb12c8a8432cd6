/// `[pools.health_check]`: the active check a pool runs against each of its servers.
public struct HealthCheckConfig: Sendable, Codable, Equatable {
    /// Path requested with `GET`.
    public var path: String = "/"
    /// Time between checks of one server.
    public var interval: TimeSpan = .seconds(5)
    /// A check with no response head within this fails.
    public var timeout: TimeSpan = .seconds(1)
    /// Good checks in a row that bring a down server back.
    public var rise: Int = 2
    /// Failed checks in a row that take a server down.
    public var fall: Int = 3
    /// Statuses that count as healthy, e.g. `"200-399"` or `"200"`.
    public var expectedStatus: StatusRange = StatusRange(lower: 200, upper: 399)

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, interval, timeout, rise, fall
        case expectedStatus = "expected_status"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = HealthCheckConfig()
        path = try c.field(.path, default: d.path)
        interval = try c.field(.interval, default: d.interval)
        timeout = try c.field(.timeout, default: d.timeout)
        rise = try c.field(.rise, default: d.rise)
        fall = try c.field(.fall, default: d.fall)
        expectedStatus = try c.field(.expectedStatus, default: d.expectedStatus)
    }
}

/// An inclusive range of HTTP status codes, written `"200-399"` or `"204"`.
public struct StatusRange: Sendable, Codable, Equatable, CustomStringConvertible {
    public var lower: Int
    public var upper: Int

    public init(lower: Int, upper: Int) {
        self.lower = lower
        self.upper = upper
    }

    public func contains(_ status: Int) -> Bool { (lower...upper).contains(status) }

    public var description: String { lower == upper ? String(lower) : "\(lower)-\(upper)" }

    /// Parses `"200-399"` or `"200"`; nil when malformed.
    public static func parse(_ text: String) -> StatusRange? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { String($0.filter { !$0.isWhitespace }) }
        guard (1...2).contains(parts.count), let lower = Int(parts[0]), let upper = Int(parts[parts.count - 1]) else { return nil }
        guard (100...599).contains(lower), (100...599).contains(upper), lower <= upper else { return nil }
        return StatusRange(lower: lower, upper: upper)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let expectation = "expected a status or range of statuses like \"200-399\""
        let text = try container.configString(expectation, at: decoder)
        guard let range = Self.parse(text) else { throw ConfigIssue(at: decoder, expectation) }
        self = range
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
