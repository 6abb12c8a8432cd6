/// Decides when the node is under pressure (degraded mode) from measured samples, with hysteresis:
/// it enters as soon as a sample is over a threshold, and leaves only after every sample for `hold`
/// seconds stayed under `recoverFraction` of both thresholds, so it does not flap at the edge.
public struct DegradationController: Sendable, Equatable {
    public struct Thresholds: Sendable, Equatable {
        /// Requests in flight on the node; 0 means not used.
        public var inFlight: Int
        /// Event-loop delay in seconds; 0 means not used.
        public var loopDelay: Double
        /// Pressure must fall below this fraction of a threshold to count as calm.
        public var recoverFraction: Double
        /// How long it must stay calm before degraded mode ends.
        public var hold: Double

        public init(inFlight: Int, loopDelay: Double, recoverFraction: Double = 0.7, hold: Double = 5) {
            self.inFlight = inFlight
            self.loopDelay = loopDelay
            self.recoverFraction = recoverFraction
            self.hold = hold
        }
    }

    public struct Sample: Sendable, Equatable {
        public var inFlight: Int
        public var loopDelay: Double
        public init(inFlight: Int, loopDelay: Double) {
            self.inFlight = inFlight
            self.loopDelay = loopDelay
        }
    }

    public let thresholds: Thresholds
    public private(set) var degraded = false
    private var calmSince: EpochSeconds?

    public init(thresholds: Thresholds) {
        self.thresholds = thresholds
    }

    /// Feeds one sample; returns the new mode when it switched.
    public mutating func observe(_ sample: Sample, now: EpochSeconds) -> Bool? {
        if isOver(sample) {
            calmSince = nil
            guard !degraded else { return nil }
            degraded = true
            return true
        }
        guard degraded else { return nil }
        guard isCalm(sample) else {
            calmSince = nil
            return nil
        }
        let since = calmSince ?? now
        calmSince = since
        if now - since >= thresholds.hold {
            degraded = false
            calmSince = nil
            return false
        }
        return nil
    }

    /// Why the last sample counts as pressure, for the log.
    public func describe(_ sample: Sample) -> String {
        "in_flight=\(sample.inFlight) loop_delay_ms=\(Int((sample.loopDelay * 1000).rounded()))"
    }

    private func isOver(_ sample: Sample) -> Bool {
        (thresholds.inFlight > 0 && sample.inFlight >= thresholds.inFlight)
            || (thresholds.loopDelay > 0 && sample.loopDelay >= thresholds.loopDelay)
    }

    private func isCalm(_ sample: Sample) -> Bool {
        let f = thresholds.recoverFraction
        let inFlightCalm = thresholds.inFlight <= 0 || Double(sample.inFlight) < Double(thresholds.inFlight) * f
        let delayCalm = thresholds.loopDelay <= 0 || sample.loopDelay < thresholds.loopDelay * f
        return inFlightCalm && delayCalm
    }
}
