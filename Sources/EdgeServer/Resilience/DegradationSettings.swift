import EdgeCore
import EdgeSettings
import NIOCore

/// Degraded mode and admission limits in the server's units (from `[degradation]`).
/// Built in code, everything is off until set; `edge serve` takes the config's defaults.
public struct DegradationSettings: Sendable {
    /// 0 = not used.
    public var inFlightThreshold = 0
    /// .zero = not used.
    public var loopDelayThreshold: TimeAmount = .zero
    public var recoverBelow = 0.7
    public var hold: TimeAmount = .seconds(5)
    public var sampleInterval: TimeAmount = .milliseconds(100)
    /// 0 = unlimited.
    public var maxClientConnections = 0
    /// 0 = unlimited.
    public var maxInFlightRequests = 0

    public init() {}

    public init(_ config: DegradationConfig) {
        inFlightThreshold = config.inFlightThreshold
        loopDelayThreshold = config.loopDelayThreshold.timeAmount
        recoverBelow = config.recoverBelow
        hold = config.hold.timeAmount
        sampleInterval = config.sampleInterval.timeAmount
        maxClientConnections = config.maxClientConnections
        maxInFlightRequests = config.maxInFlightRequests
    }

    var thresholds: DegradationController.Thresholds {
        DegradationController.Thresholds(
            inFlight: inFlightThreshold, loopDelay: Double(loopDelayThreshold.nanoseconds) / 1e9,
            recoverFraction: recoverBelow, hold: Double(hold.nanoseconds) / 1e9)
    }
}
