import EdgeCore
import Logging
import NIOCore
import NIOHTTP1

/// Receives what an `UpstreamExchange` brings back, on the exchange's event loop.
protocol UpstreamExchangeDelegate: AnyObject {
    /// A 1xx (not 101) before the final response; there may be several.
    func exchange(_ exchange: UpstreamExchange, interim head: HTTPResponseHead)
    /// The final response head, once no other server will be tried for it.
    func exchange(_ exchange: UpstreamExchange, head: HTTPResponseHead)
    func exchange(_ exchange: UpstreamExchange, body: ByteBuffer)
    func exchangeDidEnd(_ exchange: UpstreamExchange)
    /// No response, from any server tried.
    func exchange(_ exchange: UpstreamExchange, failed error: OriginError)
    /// The request body may flow again (the origin connection drained, or the exchange connected).
    func exchangeCanTakeMoreBody(_ exchange: UpstreamExchange)
    /// Whether the next read from the origin may happen now.
    var wantsMoreResponseBody: Bool { get }
}

/// One request's way to an origin pool and back, the transport half of a fetch (its cache half is
/// `CacheFill`): a concurrency slot, the upstream peer (`UpstreamAttempts`), a pooled connection,
/// the request body with backpressure, retries on another server, one resend after a keep-alive
/// race, and the response parts handed to the delegate.
///
/// Lives on the client connection's event loop. It holds its delegate until it is over, so that a fill
/// nobody else holds (a background revalidation, a client gone mid-store) lives as long as its response.
final class UpstreamExchange: OriginResponseDelegate {
    var delegate: UpstreamExchangeDelegate?
    /// The request as it goes out (the upstream request filter's result); `restart` may change it.
    private(set) var head: HTTPRequestHead
    /// This event loop's pooled origin connections.
    private let connections: OriginConnectionPool
    /// The site's origin pool: its servers, balancer and timeouts (the cluster's ring or shield
    /// while `route` is at a peer stage).
    private var pool: Router.Pool
    private let stats: ProxyStats
    private let metrics: TrafficMetrics
    private let logger: Logger
    /// The key consistent hashing balances on.
    private let balanceKey: String
    /// The client's address, for `ip_hash` balancing.
    private let clientAddress: String
    private var attempts: UpstreamAttempts
    /// The peers to ask before the origin (`[cluster]`); nil once the origin's turn has come.
    private var route: OwnerFetch?
    /// The current attempts go to a peer (ring node or shield), not to the origin pool.
    private var atPeer = false
    /// The final head went to the delegate: from here on nothing is tried elsewhere.
    private var headDelivered = false
    private var connection: OriginConnection?
    private var pendingBody = CircularBuffer<ByteBuffer>()
    private var pendingBodyBytes = 0
    private var bodyBytesSent = 0
    private var requestEnded = false
    private var triedServers: [OriginServer] = []
    private var retriedStaleConnection = false
    /// The request body sent so far, kept (up to `uploadBufferLimit`) so that an idempotent request can be
    /// sent again on a fresh connection; nil when it cannot be (non-idempotent, or too large).
    private lazy var retainedBody: [ByteBuffer]? = FillPolicy.isIdempotent(head.method.rawValue) ? [] : nil
    private(set) var finished = false
    /// When the current attempt's request went out.
    private(set) var requestTime: EpochSeconds = 0
    private(set) var server: OriginServer?

    static let uploadBufferLimit = 64 * 1024

    init(head: HTTPRequestHead, pool: Router.Pool, balanceKey: String, clientAddress: String,
         connections: OriginConnectionPool, stats: ProxyStats, metrics: TrafficMetrics, logger: Logger, route: OwnerFetch? = nil) {
        self.head = head
        self.route = route
        self.connections = connections
        self.balanceKey = balanceKey
        self.clientAddress = clientAddress
        self.pool = pool
        self.stats = stats
        self.metrics = metrics
        self.logger = logger
        self.attempts = UpstreamAttempts(
            balancer: pool.balancer, loop: connections.upstream, loopCount: connections.loopCount,
            requestTimeout: pool.policy.firstByteTimeout)
    }

    // MARK: Request side

    /// Takes a slot in the pool (or fails with `poolOverloaded`), then sends the request.
    func start() {
        if let route, !atPeer, let stage = route.next() {
            enter(stage)
        }
        admitAndAttempt()
    }

    private func admitAndAttempt() {
        attempts.admit { [self] admitted in
            guard !finished else {
                attempts.finish()
                return
            }
            guard admitted else {
                fail(.poolOverloaded(pool.name))
                return
            }
            startAttempt()
        }
    }

    /// Sends the request again to the same servers with `head` (a 304 that selected nothing is asked
    /// again without validators); the response is handed over like the first.
    func restart(with head: HTTPRequestHead) {
        self.head = atPeer ? route?.cluster.peerHead(from: head) ?? head : head
        connection = nil
        if !triedServers.isEmpty {
            triedServers.removeLast()
        }
        startAttempt()
    }

    private func startAttempt() {
        guard let server = attempts.choose(key: balanceKey, client: clientAddress, excluding: triedServers) else {
            if atPeer, nextStage() { return }
            fail(pool.servers.isEmpty ? .noServer : .poolDown(pool.name))
            return
        }
        if atPeer, let route, server == route.selfNode {
            // This node owns the key (or is next after the peers that failed): the origin's turn.
            attempts.endAttempt(.none)
            route.ringPickedSelf()
            if nextStage() { return }
        }
        self.server = server
        triedServers.append(server)
        if !head.headers.contains(name: "host") {
            // An HTTP/1.0 client may leave Host out; the HTTP/1.1 request to the origin must carry one.
            head.headers.add(name: "host", value: server.description)
        }
        requestTime = ProxyServices.now()
        if atPeer {
            route?.sent()
        } else {
            stats.originRequests.wrappingAdd(1, ordering: .relaxed)
        }
        let policy = pool.policy
        connections.acquire(server, pool: pool.name, policy: policy) { [self] result in
            switch result {
            case .success(let (connection, _)):
                guard !finished else {
                    connection.returnUnused()
                    return
                }
                self.connection = connection
                connection.startRequest(head, delegate: self, firstByteTimeout: policy.firstByteTimeout, idleTimeout: policy.idleTimeout)
                flushPendingBody()
            case .failure(let error):
                originFailed(error)
            }
        }
    }

    func sendBody(_ buffer: ByteBuffer) {
        if let connection, pendingBody.isEmpty {
            sent(buffer)
            connection.sendBody(buffer)
        } else {
            pendingBody.append(buffer)
            pendingBodyBytes += buffer.readableBytes
        }
    }

    func sendEnd() {
        requestEnded = true
        if let connection, pendingBody.isEmpty {
            connection.sendEnd()
        }
    }

    /// Whether the client may keep reading request body bytes for this exchange.
    var canTakeMoreRequestBody: Bool {
        guard let connection else { return pendingBodyBytes < Self.uploadBufferLimit }
        return connection.isWritable && pendingBodyBytes < Self.uploadBufferLimit
    }

    /// How much of the request's body went to the server: a connection the origin closed while taking
    /// an upload is the upload's doing as far as anyone can tell.
    private var requestBodySent: PassiveEvidence.RequestBody {
        let chunked = head.headers.contains(name: "transfer-encoding")
        let length = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
        guard chunked || length > 0 else { return .none }
        return requestEnded && pendingBody.isEmpty ? .complete : .partial
    }

    /// Stops the exchange: the connection is closed and never reused, the pool slot given back.
    func abort() {
        guard !finished else { return }
        finished = true
        delegate = nil
        attempts.finish()
        connection?.abort()
        connection = nil
    }

    /// The delegate can take more response bytes again.
    func resumeReading() {
        connection?.resumeReading()
    }

    /// Counts a body part that went to the origin, and keeps it while a resend could still need it.
    private func sent(_ buffer: ByteBuffer) {
        bodyBytesSent += buffer.readableBytes
        guard retainedBody != nil else { return }
        if bodyBytesSent <= Self.uploadBufferLimit {
            retainedBody?.append(buffer)
        } else {
            retainedBody = nil
        }
    }

    private func flushPendingBody() {
        guard let connection else { return }
        while let buffer = pendingBody.popFirst() {
            pendingBodyBytes -= buffer.readableBytes
            sent(buffer)
            connection.sendBody(buffer)
        }
        if requestEnded {
            connection.sendEnd()
        }
        delegate?.exchangeCanTakeMoreBody(self)
    }

    // MARK: Response side (OriginResponseDelegate)

    var wantsMoreOriginData: Bool {
        delegate?.wantsMoreResponseBody ?? false
    }

    func originWritabilityChanged(isWritable: Bool) {
        if isWritable {
            delegate?.exchangeCanTakeMoreBody(self)
        }
    }

    func originInterimResponse(_ head: HTTPResponseHead) {
        delegate?.exchange(self, interim: head)
    }

    func originResponseHead(_ head: HTTPResponseHead) {
        let status = Int(head.status.code)
        if atPeer, let route {
            let verdict = route.verdict(status: status, headers: head.headers)
            attempts.endAttempt(verdict == .peerFailed ? .unhealthy("status \(status)") : .healthy)
            if verdict != .use {
                connection?.abort()
                connection = nil
                if nextStage() { return }
            }
        } else {
            attempts.endAttempt(attempts.evidence(.response(status: status), body: requestBodySent, detail: "status \(status)"))
        }
        headDelivered = true
        if UpstreamAttempts.isRetryableStatus(status), retryOnAnotherServer() {
            return
        }
        if !atPeer {
            metrics.originLatency.recordNanoseconds(Int64(max(0, ProxyServices.now() - requestTime) * 1e9))
        }
        delegate?.exchange(self, head: head)
    }

    func originResponseBody(_ buffer: ByteBuffer) {
        delegate?.exchange(self, body: buffer)
    }

    func originResponseEnd() {
        connection = nil
        delegate?.exchangeDidEnd(self)
    }

    /// The response is over (the delegate has what it needs): the pool slot goes to the next request.
    func finish() {
        guard !finished else { return }
        finished = true
        delegate = nil
        connection = nil
        attempts.finish()
    }

    func originFailed(_ error: OriginError) {
        connection = nil
        if case .closedBeforeResponse(_, reused: true) = error, !retriedStaleConnection, !finished,
           FillPolicy.isIdempotent(head.method.rawValue), let resend = retainedBody {
            // An origin may close an idle keep-alive connection just as a request goes out on it: an
            // idempotent request is sent once more (RFC 9110 §9.2.2), its body too when it was kept.
            retriedStaleConnection = true
            for buffer in resend.reversed() {
                pendingBody.prepend(buffer)
                pendingBodyBytes += buffer.readableBytes
            }
            retainedBody = []
            bodyBytesSent = 0
            triedServers.removeLast()
            attempts.endAttempt(.none)
            startAttempt()
            return
        }
        attempts.endAttempt(attempts.evidence(error.passiveOutcome, body: requestBodySent, detail: error.description))
        if atPeer, !headDelivered, !finished {
            route?.peerFailed()
            logger.debug("peer failed, trying the next", metadata: ["target": "\(head.uri)", "peer": "\(server.map { "\($0)" } ?? "-")", "error": "\(error)"])
            if nextStage() { return }
        }
        if error.isConnectionFailure, retryOnAnotherServer() {
            return
        }
        fail(error)
    }

    /// Sends the request to another server of the pool if `UpstreamAttempts` allows: nothing of the
    /// request body may have gone out, so a partly sent body is never sent twice.
    private func retryOnAnotherServer() -> Bool {
        guard !finished, attempts.mayRetry(method: head.method, bodyResendable: bodyBytesSent == 0, excluding: triedServers) else {
            return false
        }
        connection?.abort()
        connection = nil
        logger.debug("retrying on another server", metadata: ["target": "\(head.uri)", "after": "\(server.map { "\($0)" } ?? "-")"])
        startAttempt()
        return true
    }

    // MARK: Stages (`[cluster]`)

    /// Sends the next attempts to `stage`'s pool.
    private func enter(_ stage: OwnerFetch.Stage) {
        let next: Router.Pool
        switch stage {
        case .ring(let ring):
            next = ring
            head = route?.peerHead ?? head
            atPeer = true
        case .shield(let shield):
            next = shield
            head = route?.peerHead ?? head
            atPeer = true
        case .origin(let origin, let originHead):
            next = origin
            head = originHead
            atPeer = false
            route = nil
        }
        if next.name != pool.name {
            // The nodes already tried stay excluded while the ring is walked.
            triedServers = []
        }
        pool = next
        attempts = UpstreamAttempts(
            balancer: next.balancer, loop: connections.upstream, loopCount: connections.loopCount, requestTimeout: next.policy.firstByteTimeout)
    }

    /// Leaves a peer that failed for the route's next stage; false when there is none.
    private func nextStage() -> Bool {
        guard !finished, !headDelivered, let route, let stage = route.next() else { return false }
        attempts.finish()
        connection?.abort()
        connection = nil
        retriedStaleConnection = false
        enter(stage)
        admitAndAttempt()
        return true
    }

    private func fail(_ error: OriginError) {
        guard !finished else { return }
        finished = true
        attempts.finish()
        let delegate = self.delegate
        self.delegate = nil
        delegate?.exchange(self, failed: error)
    }
}
