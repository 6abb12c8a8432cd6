import EdgeCore
import EdgeSettings
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Carries out purges: locally, off the event loops, then forwarded to the peers of the fleet.
/// Every purge is logged with who asked, what it covered and how much it purged.
final class PurgeCoordinator: Sendable {
    /// The header a forwarded purge carries so that the peer does not forward it again.
    static let forwardedMarker = "edge-purge-forwarded"

    /// One peer's answer to a forwarded purge.
    struct PeerResult: Sendable {
        var peer: String
        var ok: Bool
        var status: Int?
        var purged: Int?
        var error: String?
        var attempts: Int

        var json: JSONText {
            var fields: [(String, JSONText)] = [("peer", .string(peer)), ("ok", .bool(ok))]
            if let status { fields.append(("status", .int(status))) }
            if let purged { fields.append(("purged", .int(purged))) }
            if let error { fields.append(("error", .string(error))) }
            fields.append(("attempts", .int(attempts)))
            return .object(fields)
        }
    }

    struct Outcome: Sendable {
        var purged: Int
        var peers: [PeerResult]

        var json: JSONText {
            .object([("purged", .int(purged)), ("peers", .array(peers.map(\.json)))])
        }
    }

    private let cache: HTTPCache
    /// The disk tier, whose purge journal is synced before a purge is answered.
    private let disk: DiskStore?
    /// Peers, their token and timeouts: replaced by a configuration reload, read once per purge.
    private let current: Mutex<AdminSettings>
    private var settings: AdminSettings { current.withLock { $0 } }
    private let logger: Logger
    private let metrics: TrafficMetrics
    private let clientGroup: any EventLoopGroup
    /// Purges applied here (requests, not entries), for `/stats`.
    let purgeCount = Atomic<Int>(0)
    let purgedEntries = Atomic<Int>(0)

    init(cache: HTTPCache, disk: DiskStore? = nil, settings: AdminSettings, logger: Logger, metrics: TrafficMetrics, clientGroup: any EventLoopGroup) {
        self.cache = cache
        self.disk = disk
        current = Mutex(settings)
        self.logger = logger
        self.metrics = metrics
        self.clientGroup = clientGroup
    }

    /// Forwards later purges to the peers of a reloaded configuration; purges under way keep theirs.
    func update(_ settings: AdminSettings) {
        current.withLock { $0 = settings }
    }

    /// Applies `request` here on a pool thread, then (unless it came from a peer) forwards it to
    /// every peer. The future completes on `eventLoop`.
    func purge(_ request: PurgeRequest, selection: PurgeSelection, who: String, forward: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Outcome> {
        let cache = self.cache
        let disk = self.disk
        // A URL's stored pieces (partial content, slices) go with it.
        let selection = selection.coveringPieces
        let local = NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
            let started = NIODeadline.now()
            // Durable before it is answered: a record on disk that it covers never comes back, restart or not.
            disk?.purge(selection)
            let purged = cache.purge(selection, now: ProxyServices.now())
            return (purged, NIODeadline.now() - started)
        }
        let peers = forward ? settings.peers : []
        return local.flatMap { purged, took in
            if selection.all, !selection.soft {
                // The purge took effect at once; the memory of what it hid comes back in the background.
                let logger = self.logger
                NIOThreadPool.singleton.submit { state in
                    guard case .active = state else { return }
                    let removed = cache.sweepPurgedEntries()
                    logger.debug("purge of everything swept", metadata: ["removed": "\(removed)"])
                }
            }
            self.purgeCount.wrappingAdd(1, ordering: .relaxed)
            self.purgedEntries.wrappingAdd(purged, ordering: .relaxed)
            self.metrics.purgeRequests.increment()
            self.metrics.purgedEntries.increment(by: purged)
            self.logger.notice("purge", metadata: [
                "by": "\(who)", "what": "\(Self.describe(request))", "purged": "\(purged)",
                "ms": "\(took.nanoseconds / 1_000_000)", "from_peer": "\(!forward)",
            ])
            guard !peers.isEmpty else { return eventLoop.makeSucceededFuture(Outcome(purged: purged, peers: [])) }
            let answers = peers.map { self.forward(request, to: $0, attempt: 1) }
            return EventLoopFuture.whenAllComplete(answers, on: eventLoop).map { results in
                let peerResults = results.map { result in
                    switch result {
                    case .success(let answer): return answer
                    case .failure(let error): return PeerResult(peer: "?", ok: false, error: "\(error)", attempts: 0)
                    }
                }
                for result in peerResults where !result.ok {
                    self.logger.warning("purge not applied by peer", metadata: ["peer": "\(result.peer)", "error": "\(result.error ?? "status \(result.status ?? 0)")"])
                }
                return Outcome(purged: purged, peers: peerResults)
            }
        }
    }

    /// One peer, with retries; never fails: an unreachable peer is a result that says so.
    private func forward(_ request: PurgeRequest, to peer: PeerURL, attempt: Int) -> EventLoopFuture<PeerResult> {
        var headers: [(String, String)] = [("content-type", "application/json"), (Self.forwardedMarker, "1")]
        if !settings.token.isEmpty { headers.append(("authorization", "Bearer \(settings.token)")) }
        let body = Array(Self.json(request).rendered.utf8)
        let retries = settings.peerRetries
        let eventLoop = clientGroup.next()
        return AdminHTTPClient.send(
            method: .POST, host: peer.host, port: peer.port, path: "/purge", headers: headers, body: body,
            timeout: settings.peerTimeout, group: eventLoop
        ).flatMap { response -> EventLoopFuture<PeerResult> in
            let purged = Self.purgedCount(in: response.body)
            let ok = response.status == 200
            // 4xx answers would be the same next time; only server errors are retried.
            if !ok, response.status >= 500, attempt <= retries {
                return self.retry(request, to: peer, attempt: attempt, on: eventLoop)
            }
            return eventLoop.makeSucceededFuture(PeerResult(
                peer: peer.description, ok: ok, status: response.status, purged: purged,
                error: ok ? nil : response.body.trimmingWhitespace(), attempts: attempt))
        }.flatMapError { error in
            if attempt <= retries { return self.retry(request, to: peer, attempt: attempt, on: eventLoop) }
            return eventLoop.makeSucceededFuture(PeerResult(peer: peer.description, ok: false, error: "unreachable: \(error)", attempts: attempt))
        }
    }

    private func retry(_ request: PurgeRequest, to peer: PeerURL, attempt: Int, on eventLoop: any EventLoop) -> EventLoopFuture<PeerResult> {
        // 100 ms, 200 ms, 400 ms…: a restarting peer gets a moment.
        let delay = TimeAmount.milliseconds(100 << Int64(min(attempt - 1, 5)))
        return eventLoop.flatScheduleTask(in: delay) { self.forward(request, to: peer, attempt: attempt + 1) }.futureResult
    }

    static func json(_ request: PurgeRequest) -> JSONText {
        .object([
            ("urls", .array(request.urls.map(JSONText.string))), ("prefixes", .array(request.prefixes.map(JSONText.string))),
            ("tags", .array(request.tags.map(JSONText.string))), ("all", .bool(request.all)), ("soft", .bool(request.soft)),
        ])
    }

    /// "urls=[…] tags=[…] soft" for the log.
    static func describe(_ request: PurgeRequest) -> String {
        var parts: [String] = []
        if !request.urls.isEmpty { parts.append("urls=\(request.urls)") }
        if !request.prefixes.isEmpty { parts.append("prefixes=\(request.prefixes)") }
        if !request.tags.isEmpty { parts.append("tags=\(request.tags)") }
        if request.all { parts.append("all") }
        if request.soft { parts.append("soft") }
        return parts.joined(separator: " ")
    }

    /// `"purged":N` from a peer's answer.
    static func purgedCount(in body: String) -> Int? {
        guard let range = body.range(of: "\"purged\":") else { return nil }
        return Int(body[range.upperBound...].prefix { $0.isNumber })
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
