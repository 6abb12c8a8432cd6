/// `[degradation]`: when the node sheds optional work (degraded mode) and how much it admits at all.
public struct DegradationConfig: Sendable, Codable, Equatable {
    /// Degraded mode starts when this many requests are in flight on the node; 0 = not used.
    public var inFlightThreshold: Int = 0
    /// Degraded mode starts when an event loop runs this late; "0s" = not used.
    public var loopDelayThreshold: TimeSpan = .milliseconds(500)
    /// Pressure must fall below this fraction of both thresholds …
    public var recoverBelow: Double = 0.7
    /// … for this long before degraded mode ends.
    public var hold: TimeSpan = .seconds(5)
    /// How often pressure is measured.
    public var sampleInterval: TimeSpan = .milliseconds(100)
    /// Client connections accepted at once; more are closed at once. 0 = unlimited.
    public var maxClientConnections: Int = 0
    /// Requests served at once; more get 503 with Retry-After. 0 = unlimited.
    public var maxInFlightRequests: Int = 0

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inFlightThreshold = "in_flight_threshold"
        case loopDelayThreshold = "loop_delay_threshold"
        case recoverBelow = "recover_below"
        case hold
        case sampleInterval = "sample_interval"
        case maxClientConnections = "max_client_connections"
        case maxInFlightRequests = "max_in_flight_requests"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DegradationConfig()
        inFlightThreshold = try c.field(.inFlightThreshold, default: d.inFlightThreshold)
        loopDelayThreshold = try c.field(.loopDelayThreshold, default: d.loopDelayThreshold)
        recoverBelow = try c.field(.recoverBelow, default: d.recoverBelow)
        hold = try c.field(.hold, default: d.hold)
        sampleInterval = try c.field(.sampleInterval, default: d.sampleInterval)
        maxClientConnections = try c.field(.maxClientConnections, default: d.maxClientConnections)
        maxInFlightRequests = try c.field(.maxInFlightRequests, default: d.maxInFlightRequests)
    }

    func validate() throws(ConfigError) {
        let k = "degradation"
        if inFlightThreshold < 0 { throw ConfigError(file: "", key: "\(k).in_flight_threshold", message: "must be 0 (off) or more, got \(inFlightThreshold)") }
        if loopDelayThreshold.nanoseconds < 0 { throw ConfigError(file: "", key: "\(k).loop_delay_threshold", message: "cannot be negative") }
        if !(recoverBelow > 0 && recoverBelow <= 1) {
            throw ConfigError(file: "", key: "\(k).recover_below", message: "expected a fraction above 0 and at most 1, got \(recoverBelow)")
        }
        if hold.nanoseconds < 0 { throw ConfigError(file: "", key: "\(k).hold", message: "cannot be negative") }
        if sampleInterval.nanoseconds <= 0 { throw ConfigError(file: "", key: "\(k).sample_interval", message: "must be more than 0, got \(sampleInterval)") }
        if maxClientConnections < 0 { throw ConfigError(file: "", key: "\(k).max_client_connections", message: "must be 0 (unlimited) or more, got \(maxClientConnections)") }
        if maxInFlightRequests < 0 { throw ConfigError(file: "", key: "\(k).max_in_flight_requests", message: "must be 0 (unlimited) or more, got \(maxInFlightRequests)") }
    }
}
