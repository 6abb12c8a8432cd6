import EdgeCore

/// One origin server a pool sends requests to.
public struct OriginServer: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Why a request to an origin failed, in the terms the client's error response and the log use.
public enum OriginError: Error, Sendable, Equatable, CustomStringConvertible {
    case connectFailed(OriginServer, String)
    case connectTimeout(OriginServer)
    case firstByteTimeout(OriginServer)
    case idleTimeout(OriginServer)
    /// The connection closed before a response head arrived. `reused` tells whether it came from the pool,
    /// where an origin closing an idle connection is expected and a retry on a fresh one is safe.
    case closedBeforeResponse(OriginServer, reused: Bool)
    case closedMidResponse(OriginServer)
    case invalidResponse(OriginServer, String)
    /// The TLS handshake with an `https` origin failed (an unverifiable certificate, no common protocol).
    case tlsFailed(OriginServer, String)
    case poolExhausted(OriginServer)
    case noServer
    /// Every server of the pool, backups too, is down.
    case poolDown(String)
    /// The pool is at its cap of concurrent requests and its queue is full or timed out.
    case poolOverloaded(String)

    /// Whether no response came at all, so another server may be tried (a timeout included).
    public var isConnectionFailure: Bool {
        switch self {
        case .connectFailed, .connectTimeout, .firstByteTimeout, .closedBeforeResponse, .poolExhausted: return true
        default: return false
        }
    }

    public var isPoolExhausted: Bool {
        if case .poolExhausted = self { return true }
        return false
    }

    /// The failure in the terms passive health checks weigh.
    public var passiveOutcome: PassiveEvidence.Outcome {
        switch self {
        case .connectFailed, .connectTimeout, .tlsFailed: return .connectFailed
        case .firstByteTimeout: return .firstByteTimeout
        case .closedBeforeResponse: return .closedBeforeResponse
        case .closedMidResponse, .idleTimeout: return .brokeMidResponse
        case .invalidResponse: return .malformedResponse
        case .poolExhausted, .noServer, .poolDown, .poolOverloaded: return .notSent
        }
    }

    /// Refused by the pool itself (all servers down, or at its cap) without trying any server.
    public var isLoadShedding: Bool {
        switch self {
        case .poolDown, .poolOverloaded: return true
        default: return false
        }
    }

    /// The status a client gets when this failure leaves nothing to serve.
    public var clientStatus: Int {
        switch self {
        case .connectTimeout, .firstByteTimeout, .idleTimeout: return 504
        case .poolExhausted, .noServer, .poolDown, .poolOverloaded: return 503
        default: return 502
        }
    }

    public var description: String {
        switch self {
        case .connectFailed(let s, let why): return "origin \(s) refused the connection (\(why))"
        case .connectTimeout(let s): return "origin \(s) did not accept the connection in time"
        case .firstByteTimeout(let s): return "origin \(s) did not start its response in time"
        case .idleTimeout(let s): return "origin \(s) stalled in the middle of its response"
        case .closedBeforeResponse(let s, _): return "origin \(s) closed the connection before responding"
        case .closedMidResponse(let s): return "origin \(s) closed the connection in the middle of its response"
        case .invalidResponse(let s, let why): return "origin \(s) sent an invalid response (\(why))"
        case .tlsFailed(let s, let why): return "TLS with origin \(s) failed (\(why))"
        case .poolExhausted(let s): return "no connection to origin \(s) became free in time"
        case .noServer: return "no origin server is configured for this host"
        case .poolDown(let pool): return "every server of origin pool \(pool) is down"
        case .poolOverloaded(let pool): return "origin pool \(pool) is at its limit of concurrent requests"
        }
    }
}
