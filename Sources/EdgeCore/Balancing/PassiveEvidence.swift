/// What one attempt at an origin server says about that server's health, for passive checks.
///
/// Only evidence about the server counts (nginx's `proxy_next_upstream error timeout` default): a
/// connection refused or reset, a connect or first-byte timeout, a malformed response, and statuses
/// the pool lists in `fail_status`. An application's 5xx for one URL is an answer, not an outage, and
/// a failure the client may have caused (an upload the origin refused by closing, a client that
/// stopped sending) says nothing about the server.
public enum PassiveEvidence: Sendable, Equatable {
    case healthy
    case unhealthy(String)
    /// The attempt says nothing about the server.
    case none

    /// How an attempt ended, in the terms that matter for health.
    public enum Outcome: Sendable, Equatable {
        /// A response head arrived.
        case response(status: Int)
        /// Connecting failed: refused, reset during the handshake, TLS failed, or timed out.
        case connectFailed
        /// Connected, but no response head came within the first-byte timeout.
        case firstByteTimeout
        /// The connection closed or was reset before a response head.
        case closedBeforeResponse
        /// The connection closed, or stalled past the idle timeout, in the middle of the response.
        case brokeMidResponse
        /// The response could not be parsed.
        case malformedResponse
        /// The attempt never reached the server (no free pooled connection on this loop).
        case notSent
    }

    /// What the request sent to the server carried, which decides whose fault a closed connection was.
    public enum RequestBody: Sendable, Equatable {
        case none
        /// The whole body went out.
        case complete
        /// The client had not sent all of it yet.
        case partial
    }

    /// - Parameters:
    ///   - failStatus: statuses the pool counts as failures (`[[pools]] fail_status`; none by default).
    ///   - detail: the failure as the log says it, kept as the reason a server went down.
    public static func of(_ outcome: Outcome, body: RequestBody, failStatus: Set<Int>, detail: String) -> PassiveEvidence {
        switch outcome {
        case .response(let status):
            return failStatus.contains(status) ? .unhealthy(detail) : .healthy
        case .connectFailed, .malformedResponse, .brokeMidResponse:
            return .unhealthy(detail)
        case .firstByteTimeout:
            // The origin may rightly wait for the rest of a body the client has not finished sending.
            return body == .partial ? .none : .unhealthy(detail)
        case .closedBeforeResponse:
            // An origin may refuse an upload (too large, not allowed) by closing instead of answering:
            // that is the request's doing, and counting it would let any client take a server down.
            return body == .none ? .unhealthy(detail) : .none
        case .notSent:
            return .none
        }
    }
}
