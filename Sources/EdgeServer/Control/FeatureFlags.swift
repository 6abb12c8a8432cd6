import Synchronization

/// Runtime switches for work the node can do without: set by hand on the admin API
/// (`PUT /flags/NAME`) and shed by the node itself under load (degraded mode).
public enum FeatureFlag: String, CaseIterable, Sendable {
    /// Progressive delivery's enhancement tags and Early Hints; off means base-only pages.
    case enhancements
    /// Making new compressed variants; off means identity (or an already stored variant) only.
    case compression
    /// Revalidating stale entries in the background for stale-while-revalidate.
    case backgroundRevalidation = "background_revalidation"
}

/// The flags of one node. A flag is on when an operator has not switched it off and degraded mode
/// has not shed it. Each half is one relaxed atomic bit set, so a switch takes effect for the next
/// request on every event loop without a lock on the request path.
public final class FeatureFlags: Sendable {
    private let switchedOff: Atomic<UInt32>
    private let shedBits = Atomic<UInt32>(0)

    /// Every flag on; `initial` switches some off by hand from the start (config).
    public init(initial: [FeatureFlag: Bool] = [:]) {
        var off: UInt32 = 0
        for (flag, on) in initial where !on { off |= flag.bit }
        switchedOff = Atomic(off)
    }

    /// Whether requests should do this work now.
    public func isEnabled(_ flag: FeatureFlag) -> Bool {
        (switchedOff.load(ordering: .relaxed) | shedBits.load(ordering: .relaxed)) & flag.bit == 0
    }

    /// The operator's setting (admin API); independent of shedding.
    public func setManual(_ flag: FeatureFlag, on: Bool) {
        if on {
            switchedOff.bitwiseAnd(~flag.bit, ordering: .relaxed)
        } else {
            switchedOff.bitwiseOr(flag.bit, ordering: .relaxed)
        }
    }

    /// Degraded mode sheds (or restores) a flag; the operator's setting is kept for when it ends.
    public func setShed(_ flag: FeatureFlag, shed: Bool) {
        if shed {
            shedBits.bitwiseOr(flag.bit, ordering: .relaxed)
        } else {
            shedBits.bitwiseAnd(~flag.bit, ordering: .relaxed)
        }
    }

    /// One flag's two halves, for `GET /flags` and `/stats`.
    public struct State: Sendable, Equatable {
        public var flag: FeatureFlag
        public var manual: Bool
        public var shed: Bool
        public var enabled: Bool { manual && !shed }
    }

    public func states() -> [State] {
        let off = switchedOff.load(ordering: .relaxed)
        let shed = shedBits.load(ordering: .relaxed)
        return FeatureFlag.allCases.map { State(flag: $0, manual: off & $0.bit == 0, shed: shed & $0.bit != 0) }
    }
}

extension FeatureFlag {
    fileprivate var bit: UInt32 {
        switch self {
        case .enhancements: 1 << 0
        case .compression: 1 << 1
        case .backgroundRevalidation: 1 << 2
        }
    }
}
