/// The health of one origin server, driven by active probes and by live traffic (passive checks).
///
/// - `up`: gets traffic. `fall` failed probes in a row, or `maxFails` failed live requests in a row
///   (what `PassiveEvidence` calls unhealthy: the circuit breaker), take it down.
/// - `down`: gets no traffic. `rise` good probes in a row bring it back; after `failTimeout` one
///   live request may try it (`halfOpen`), so a pool without active checks can heal too. A server
///   taken down by live traffic still gets requests when its pool has no server up (panic mode), and
///   a success there brings it back.
/// - `halfOpen`: one trial request is in flight; its outcome decides up or down.
///
/// Pure: every event carries `now`, and each call says whether the state changed (to log it once).
public struct ServerHealth: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        case up, down
        case halfOpen = "half_open"
    }

    /// What took a server down: panic mode may still use a server live traffic took down, never one
    /// the active health check took down.
    public enum Cause: String, Sendable {
        case healthCheck = "health_check"
        case traffic
    }

    public struct Settings: Sendable, Equatable {
        /// Good probes in a row that bring a down server back.
        public var rise: Int
        /// Failed probes in a row that take an up server down.
        public var fall: Int
        /// Failed live requests in a row that take an up server down; 0 turns passive checks off.
        public var maxFails: Int
        /// How long a server taken down stays out before one live request may try it.
        public var failTimeout: EpochSeconds

        public init(rise: Int = 2, fall: Int = 3, maxFails: Int = 3, failTimeout: EpochSeconds = 10) {
            self.rise = max(1, rise)
            self.fall = max(1, fall)
            self.maxFails = max(0, maxFails)
            self.failTimeout = max(0, failTimeout)
        }
    }

    public let settings: Settings
    public private(set) var state: State = .up
    /// When the server last went down (for `failTimeout`).
    public private(set) var downSince: EpochSeconds = 0
    public private(set) var probeSuccesses = 0
    public private(set) var probeFailures = 0
    public private(set) var liveFailures = 0
    /// Why it last went down, for logs and `/stats`.
    public private(set) var reason = ""
    /// What took it down; nil while up.
    public private(set) var downCause: Cause?

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// The same server's health under a reloaded pool's settings: its state, why and since when, and
    /// its counts in a row carry over, so a reload neither revives a down server nor forgets failures.
    /// A half-open trial reports to the old pool: here the server is down and may be tried again.
    public func carried(to settings: Settings) -> ServerHealth {
        var health = ServerHealth(settings: settings)
        health.state = state == .halfOpen ? .down : state
        health.downSince = downSince
        health.probeSuccesses = probeSuccesses
        health.probeFailures = probeFailures
        health.liveFailures = liveFailures
        health.reason = reason
        health.downCause = downCause
        return health
    }

    /// Whether a request may be sent to the server now (a half-open trial is taken by `beginTrial`).
    public var takesTraffic: Bool { state == .up }

    /// An active health check's result. Returns the new state when it changed.
    public mutating func probe(succeeded: Bool, now: EpochSeconds, detail: String = "") -> State? {
        if succeeded {
            probeFailures = 0
            probeSuccesses += 1
            if state != .up, probeSuccesses >= settings.rise {
                return become(.up, now: now, reason: "", cause: nil)
            }
        } else {
            probeSuccesses = 0
            probeFailures += 1
            if state == .up && probeFailures >= settings.fall || state == .halfOpen {
                return become(.down, now: now, reason: detail.isEmpty ? "health check failed" : detail, cause: .healthCheck)
            }
            if state == .down, downCause == .traffic, probeFailures >= settings.fall {
                // The probes now agree: the server stays out even when its pool panics.
                downCause = .healthCheck
                reason = detail.isEmpty ? "health check failed" : detail
            }
        }
        return nil
    }

    /// A live request's outcome: `succeeded` is false when `PassiveEvidence` says the server is unwell.
    public mutating func observed(succeeded: Bool, now: EpochSeconds, detail: String = "") -> State? {
        if succeeded {
            liveFailures = 0
            // A trial, or a request that panic mode sent to a server traffic had taken down, answered well.
            if state == .halfOpen || state == .down && downCause == .traffic {
                return become(.up, now: now, reason: "", cause: nil)
            }
            return nil
        }
        liveFailures += 1
        switch state {
        case .halfOpen:
            return become(.down, now: now, reason: detail.isEmpty ? "trial request failed" : detail, cause: downCause ?? .traffic)
        case .up where settings.maxFails > 0 && liveFailures >= settings.maxFails:
            return become(.down, now: now, reason: detail.isEmpty ? "\(liveFailures) requests failed in a row" : detail, cause: .traffic)
        default:
            return nil
        }
    }

    /// Whether a down server may take one trial request now; if so it becomes half-open. A trial
    /// that never reported back (its client went away) is replaced after another `failTimeout`.
    public mutating func beginTrial(now: EpochSeconds) -> Bool {
        // A server the health check took down comes back by the health check alone.
        guard settings.maxFails > 0, downCause == .traffic else { return false }
        switch state {
        case .down where now - downSince >= settings.failTimeout: break
        case .halfOpen where now - trialSince >= settings.failTimeout: break
        default: return false
        }
        state = .halfOpen
        trialSince = now
        return true
    }

    /// When the current half-open trial began.
    public private(set) var trialSince: EpochSeconds = 0

    private mutating func become(_ next: State, now: EpochSeconds, reason: String, cause: Cause?) -> State? {
        guard next != state else { return nil }
        state = next
        self.reason = reason
        downCause = next == .up ? nil : cause
        probeSuccesses = 0
        probeFailures = 0
        liveFailures = 0
        if next == .down { downSince = now }
        return next
    }
}
